import type { z } from 'zod';
import { claimCharges, decideClaim, listClaims, type Claim } from '../app/compensation';
import { callerOf, type HttpRequest } from '../shared/http';
import type { ClaimsQuery, CompensationBody, CompensationDecisionBody } from '../shared/schemas';

const claimView = (c: Claim) => ({
  claimId: c.claimId,
  userId: c.userId,
  linkId: c.linkId,
  bankCode: c.bankCode,
  chargeIds: c.chargeIds,
  amount: c.amount,
  claimStatus: c.claimStatus,
  source: c.source,
  note: c.note,
  createdAt: c.createdAt,
  createdBy: c.createdBy,
  ...(c.refunded !== undefined ? { refunded: c.refunded, clawback: c.clawback, loss: c.loss } : {}),
});

async function list(req: HttpRequest<unknown, z.infer<typeof ClaimsQuery>>) {
  return { status: 200, body: { items: (await listClaims(req.query.status)).map(claimView) } };
}

async function create(req: HttpRequest<z.infer<typeof CompensationBody>>) {
  const claim = await claimCharges({ chargeIds: req.body.chargeIds, note: req.body.note, caller: callerOf(req) });
  return { status: 201, body: { claimId: claim.claimId, amount: claim.amount } };
}

async function decide(req: HttpRequest<z.infer<typeof CompensationDecisionBody>, Record<string, string>, { claimId: string }>) {
  const claim = await decideClaim({ claimId: req.params.claimId, decision: req.body.decision, note: req.body.note, caller: callerOf(req) });
  return { status: 200, body: claimView(claim) };
}

/** Compensation claims: part of the `ops` function. */
export const CLAIMS_ROUTES = {
  'GET /v1/ops/compensations': list,
  'POST /v1/ops/compensations': create,
  'POST /v1/ops/compensations/{claimId}/decision': decide,
};
