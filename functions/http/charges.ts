import { createCharge } from '../app/charge-create';
import { confirmCharge } from '../app/charge-confirm';
import { getChargeView, getWalletView, listTransactions } from '../app/charges';
import type { ChargeAnswer } from '../app/charge-execution';
import { callerOf, httpHandler } from '../shared/http';
import type { ResultOf } from '../shared/routes';

/**
 * A charge's answer is stored with the charge and replayed as stored for the same Idempotency-Key, so
 * it reaches here as data, not as a typed literal: it is this route's answer by construction, and the
 * local and test runs check every answer against the route's schemas (functions/shared/http.ts).
 */
const asCreateAnswer = (answer: ChargeAnswer) => answer as ResultOf<'POST /v1/me/charges'>;

export const handler = httpHandler('charges', {
  'POST /v1/me/charges': async (req) =>
    asCreateAnswer(
      await createCharge({
        userId: callerOf(req).userId, linkId: req.body.linkId, amount: req.body.amount, idempotencyKey: req.headers['idempotency-key'],
        deviceId: req.deviceId, requestId: req.requestId,
      }),
    ),
  'GET /v1/me/charges/{chargeId}': async (req) => ({ status: 200, body: await getChargeView(callerOf(req).userId, req.params.chargeId) }),
  'POST /v1/me/charges/{chargeId}/confirmation': async (req) => ({
    status: 200,
    body: await confirmCharge({ userId: callerOf(req).userId, chargeId: req.params.chargeId, code: req.body.code, deviceId: req.deviceId }),
  }),
  'GET /v1/me/wallet': async (req) => ({ status: 200, body: await getWalletView(callerOf(req).userId) }),
  'GET /v1/me/transactions': async (req) => ({
    status: 200,
    body: await listTransactions(callerOf(req).userId, req.query.limit ?? 20, req.query.cursor),
  }),
});
