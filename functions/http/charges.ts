import type { z } from 'zod';
import { createCharge } from '../app/charge-create';
import { confirmCharge } from '../app/charge-confirm';
import { getChargeView, getWalletView, listTransactions } from '../app/charges';
import { callerOf, httpHandler, type HttpRequest } from '../shared/http';
import type { CodeBody, CreateChargeBody, TransactionsQuery } from '../shared/schemas';

type Params = { chargeId: string };

/** A charge's answer is stored with the charge (the idempotent replay gives it again): it is mapped as it is. */
async function create(req: HttpRequest<z.infer<typeof CreateChargeBody>>) {
  const { userId } = callerOf(req);
  return createCharge({
    userId, linkId: req.body.linkId, amount: req.body.amount, idempotencyKey: req.headers['idempotency-key'], deviceId: req.deviceId, requestId: req.requestId,
  });
}

async function get(req: HttpRequest<unknown, Record<string, string>, Params>) {
  return { status: 200, body: await getChargeView(callerOf(req).userId, req.params.chargeId) };
}

async function confirm(req: HttpRequest<z.infer<typeof CodeBody>, Record<string, string>, Params>) {
  const { userId } = callerOf(req);
  return { status: 200, body: await confirmCharge({ userId, chargeId: req.params.chargeId, code: req.body.code, deviceId: req.deviceId }) };
}

async function wallet(req: HttpRequest) {
  return { status: 200, body: await getWalletView(callerOf(req).userId) };
}

async function transactions(req: HttpRequest<unknown, z.infer<typeof TransactionsQuery>>) {
  return { status: 200, body: await listTransactions(callerOf(req).userId, req.query.limit ?? 20, req.query.cursor) };
}

export const handler = httpHandler('charges', {
  'POST /v1/me/charges': create,
  'GET /v1/me/charges/{chargeId}': get,
  'POST /v1/me/charges/{chargeId}/confirmation': confirm,
  'GET /v1/me/wallet': wallet,
  'GET /v1/me/transactions': transactions,
});
