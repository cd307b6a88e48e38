import { auditTrailOf } from '../app/ops-audit';
import { bankSettings, switchBank } from '../app/ops-banks';
import type { BankSettings } from '../domain/bank';
import { freezeByStaff, opsUserView, releaseLink, unfreezeByStaff } from '../app/ops-users';
import { callerOf, httpHandler } from '../shared/http';
import { CLAIMS_ROUTES } from './ops-claims';
import { LISTS_ROUTES } from './ops-lists';
import { RULES_ROUTES } from './ops-rules';

const bankView = (b: BankSettings) => ({
  bankCode: b.bankCode, name: b.name, linkingEnabled: b.linkingEnabled, chargingEnabled: b.chargingEnabled, updatedAt: b.updatedAt, updatedBy: b.updatedBy,
  ...(b.breaker ? { breaker: b.breaker } : {}),
});

export const handler = httpHandler('ops', {
  'GET /v1/ops/users/{userId}': async (req) => ({ status: 200, body: await opsUserView(req.params.userId) }),
  'POST /v1/ops/users/{userId}/freeze': async (req) => {
    const { cancelledCharges } = await freezeByStaff({ userId: req.params.userId, reason: req.body.reason, caller: callerOf(req) });
    return { status: 200, body: { userId: req.params.userId, status: 'FROZEN', cancelledCharges } };
  },
  // Four eyes on some unfreezes: the first of two staff members gets 202.
  'POST /v1/ops/users/{userId}/unfreeze': async (req) => {
    const result = await unfreezeByStaff({ userId: req.params.userId, reason: req.body.reason, caller: callerOf(req) });
    const body = { userId: req.params.userId, ...result };
    return result.status === 'ACTIVE' ? { status: 200, body } : { status: 202, body };
  },
  'POST /v1/ops/users/{userId}/links/{linkId}/release': async (req) => ({
    status: 200,
    body: await releaseLink({ ...req.params, reason: req.body.reason, caller: callerOf(req) }),
  }),
  'GET /v1/ops/banks': async () => ({ status: 200, body: { items: (await bankSettings()).map(bankView) } }),
  'PUT /v1/ops/banks/{bankCode}': async (req) => ({
    status: 200,
    body: bankView(await switchBank({ ...req.body, bankCode: req.params.bankCode, caller: callerOf(req) })),
  }),
  'GET /v1/ops/audit': async (req) => ({ status: 200, body: { items: await auditTrailOf(req.query.userId) } }),
  ...CLAIMS_ROUTES,
  ...LISTS_ROUTES,
  ...RULES_ROUTES,
});
