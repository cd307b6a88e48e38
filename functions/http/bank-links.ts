import { authorizeLink, confirmLink, listBankLinks, startLink, unlink } from '../app/bank-links';
import { callerOf, httpHandler } from '../shared/http';

export const handler = httpHandler('bankLinks', {
  'POST /v1/me/bank-links': async (req) => {
    const { bankCode, branchCode, accountNumber } = req.body;
    return { status: 201, body: await startLink({ userId: callerOf(req).userId, account: { bankCode, branchCode, accountNumber }, deviceId: req.deviceId }) };
  },
  'POST /v1/me/bank-links/{linkId}/authorization': async (req) => ({
    status: 200,
    body: await authorizeLink({ userId: callerOf(req).userId, linkId: req.params.linkId, authorizationCode: req.body.authorizationCode }),
  }),
  'POST /v1/me/bank-links/{linkId}/confirmation': async (req) => ({
    status: 200,
    body: await confirmLink({ userId: callerOf(req).userId, linkId: req.params.linkId, code: req.body.code }),
  }),
  'GET /v1/me/bank-links': async (req) => ({ status: 200, body: { items: await listBankLinks(callerOf(req).userId) } }),
  'DELETE /v1/me/bank-links/{linkId}': async (req) => {
    await unlink({ userId: callerOf(req).userId, linkId: req.params.linkId });
    return { status: 204, body: undefined };
  },
});
