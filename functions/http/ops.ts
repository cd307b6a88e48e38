import type { z } from 'zod';
import { auditTrailOf } from '../app/ops-audit';
import { bankSettings, switchBank, type BankSettings } from '../app/ops-banks';
import { freezeByStaff, opsUserView, releaseLink, unfreezeByStaff } from '../app/ops-users';
import { callerOf, httpHandler, type HttpRequest } from '../shared/http';
import type { AuditQuery, BankSettingsBody, ReasonBody } from '../shared/schemas';
import { CLAIMS_ROUTES } from './ops-claims';
import { LISTS_ROUTES } from './ops-lists';
import { RULES_ROUTES } from './ops-rules';

type UserPath = { userId: string };

async function userView(req: HttpRequest<unknown, Record<string, string>, UserPath>) {
  return { status: 200, body: await opsUserView(req.params.userId) };
}

async function freeze(req: HttpRequest<z.infer<typeof ReasonBody>, Record<string, string>, UserPath>) {
  const { cancelledCharges } = await freezeByStaff({ userId: req.params.userId, reason: req.body.reason, caller: callerOf(req) });
  return { status: 200, body: { userId: req.params.userId, status: 'FROZEN', cancelledCharges } };
}

/** Four eyes on some unfreezes: the first of two staff members gets 202. */
async function unfreeze(req: HttpRequest<z.infer<typeof ReasonBody>, Record<string, string>, UserPath>) {
  const result = await unfreezeByStaff({ userId: req.params.userId, reason: req.body.reason, caller: callerOf(req) });
  return { status: result.status === 'ACTIVE' ? 200 : 202, body: { userId: req.params.userId, ...result } };
}

async function release(req: HttpRequest<z.infer<typeof ReasonBody>, Record<string, string>, UserPath & { linkId: string }>) {
  return { status: 200, body: await releaseLink({ ...req.params, reason: req.body.reason, caller: callerOf(req) }) };
}

const bankView = (b: BankSettings) => ({
  bankCode: b.bankCode, name: b.name, linkingEnabled: b.linkingEnabled, chargingEnabled: b.chargingEnabled, updatedAt: b.updatedAt, updatedBy: b.updatedBy,
  ...(b.breaker ? { breaker: b.breaker } : {}),
});

async function banks() {
  return { status: 200, body: { items: (await bankSettings()).map(bankView) } };
}

async function putBank(req: HttpRequest<z.infer<typeof BankSettingsBody>, Record<string, string>, { bankCode: string }>) {
  return { status: 200, body: bankView(await switchBank({ ...req.body, bankCode: req.params.bankCode, caller: callerOf(req) })) };
}

async function audit(req: HttpRequest<unknown, z.infer<typeof AuditQuery>>) {
  return { status: 200, body: { items: await auditTrailOf(req.query.userId) } };
}

export const handler = httpHandler('ops', {
  'GET /v1/ops/users/{userId}': userView,
  'POST /v1/ops/users/{userId}/freeze': freeze,
  'POST /v1/ops/users/{userId}/unfreeze': unfreeze,
  'POST /v1/ops/users/{userId}/links/{linkId}/release': release,
  'GET /v1/ops/banks': banks,
  'PUT /v1/ops/banks/{bankCode}': putBank,
  'GET /v1/ops/audit': audit,
  ...CLAIMS_ROUTES,
  ...LISTS_ROUTES,
  ...RULES_ROUTES,
});
