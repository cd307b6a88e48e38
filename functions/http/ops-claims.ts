import { claimCharges, decideClaim, listClaims } from '../app/compensation';
import type { Claim } from '../domain/claim';
import { callerOf, type RouteImpl } from '../shared/http';

type ClaimsRoutes = 'GET /v1/ops/compensations' | 'POST /v1/ops/compensations' | 'POST /v1/ops/compensations/{claimId}/decision';

/** Ops see claims once they are OPEN: an OPENING one is still being written and is never listed nor decided. */
function shownStatus(status: Claim['claimStatus']) {
  if (status === 'OPENING') throw new Error('an OPENING claim reached an ops view');
  return status;
}

const claimView = (c: Claim) => ({
  claimId: c.claimId,
  userId: c.userId,
  linkId: c.linkId,
  bankCode: c.bankCode,
  chargeIds: c.chargeIds,
  amount: c.amount,
  claimStatus: shownStatus(c.claimStatus),
  source: c.source,
  note: c.note,
  createdAt: c.createdAt,
  createdBy: c.createdBy,
  ...(c.refunded !== undefined ? { refunded: c.refunded, clawback: c.clawback, loss: c.loss } : {}),
});

/** Compensation claims: part of the `ops` function. */
export const CLAIMS_ROUTES: { [K in ClaimsRoutes]: RouteImpl<K> } = {
  'GET /v1/ops/compensations': async (req) => ({ status: 200, body: { items: (await listClaims(req.query.status)).map(claimView) } }),
  'POST /v1/ops/compensations': async (req) => {
    const claim = await claimCharges({ chargeIds: req.body.chargeIds, note: req.body.note, caller: callerOf(req) });
    return { status: 201, body: { claimId: claim.claimId, amount: claim.amount } };
  },
  'POST /v1/ops/compensations/{claimId}/decision': async (req) => {
    const claim = await decideClaim({ claimId: req.params.claimId, decision: req.body.decision, note: req.body.note, caller: callerOf(req) });
    return { status: 200, body: claimView(claim) };
  },
};
