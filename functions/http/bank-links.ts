import type { z } from 'zod';
import { authorizeLink, confirmLink, listBankLinks, startLink, unlink } from '../app/bank-links';
import { callerOf, httpHandler, type HttpRequest } from '../shared/http';
import type { AuthorizeLinkBody, CodeBody, CreateLinkBody } from '../shared/schemas';

type LinkParams = { linkId: string };

async function create(req: HttpRequest<z.infer<typeof CreateLinkBody>>) {
  const { bankCode, branchCode, accountNumber } = req.body;
  const body = await startLink({ userId: callerOf(req).userId, account: { bankCode, branchCode, accountNumber }, deviceId: req.deviceId });
  return { status: 201, body };
}

async function authorize(req: HttpRequest<z.infer<typeof AuthorizeLinkBody>, Record<string, string>, LinkParams>) {
  const body = await authorizeLink({ userId: callerOf(req).userId, linkId: req.params.linkId, authorizationCode: req.body.authorizationCode });
  return { status: 200, body };
}

async function confirm(req: HttpRequest<z.infer<typeof CodeBody>, Record<string, string>, LinkParams>) {
  const body = await confirmLink({ userId: callerOf(req).userId, linkId: req.params.linkId, code: req.body.code });
  return { status: 200, body };
}

async function list(req: HttpRequest) {
  return { status: 200, body: { items: await listBankLinks(callerOf(req).userId) } };
}

async function remove(req: HttpRequest<unknown, Record<string, string>, LinkParams>) {
  await unlink({ userId: callerOf(req).userId, linkId: req.params.linkId });
  return { status: 204 };
}

export const handler = httpHandler('bankLinks', {
  'POST /v1/me/bank-links': create,
  'POST /v1/me/bank-links/{linkId}/authorization': authorize,
  'POST /v1/me/bank-links/{linkId}/confirmation': confirm,
  'GET /v1/me/bank-links': list,
  'DELETE /v1/me/bank-links/{linkId}': remove,
});
