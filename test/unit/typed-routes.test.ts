/**
 * Typed routes end to end: a handler's request carries its route's parsed types and its answer must be one
 * its route declares. The `@ts-expect-error` lines are the test of the compile-time half (`tsc` in CI fails
 * if any of them stops being an error); the runtime half is the check local and test runs make of every answer.
 */
import type { RequestOf, RouteImpl } from '../../functions/shared/http';
import { checkResponse, ContractViolation } from '../../functions/shared/response-check';
import { ROUTES, routeKey, type ResultOf } from '../../functions/shared/routes';

const route = (key: string) => ROUTES.find((r) => routeKey(r) === key)!;
const created = { linkId: 'lnk_00000000-0000-4000-8000-000000000000', status: 'PENDING_BANK_AUTH' as const, authorizationUrl: 'https://bank.example/auth' };

describe('the compiler holds a handler to its route', () => {
  it('types the request from the route schemas and the answer from its statuses', async () => {
    const impl: RouteImpl<'POST /v1/me/bank-links'> = async (req) => {
      const bankCode: string = req.body.bankCode;
      // @ts-expect-error the body has no such field
      void req.body.amount;
      return { status: 201, body: { ...created, linkId: `lnk_${bankCode}` } };
    };
    // @ts-expect-error the route answers 201, not 200
    const wrongStatus: RouteImpl<'POST /v1/me/bank-links'> = async () => ({ status: 200, body: created });
    // @ts-expect-error a body without the route's required field
    const missingField: RouteImpl<'POST /v1/me/bank-links'> = async () => ({ status: 201, body: { linkId: created.linkId, status: created.status } });
    // @ts-expect-error an error code the route does not declare
    const undeclaredError: ResultOf<'POST /v1/me/bank-links'> = { status: 404, body: { error: { code: 'NOT_FOUND', message: 'x', requestId: 'r' } } };
    const declaredError: ResultOf<'POST /v1/me/bank-links'> = {
      status: 409,
      body: { error: { code: 'ACCOUNT_ALREADY_LINKED', message: 'x', requestId: 'r' } },
    };
    const charge: RequestOf<'POST /v1/me/charges'>['body'] = { linkId: created.linkId, amount: 1000 };
    expect([wrongStatus, missingField, undeclaredError, declaredError, charge]).toHaveLength(5);
    await expect(
      impl({ body: { bankCode: '0001', branchCode: '001', accountNumber: '1234567' } } as RequestOf<'POST /v1/me/bank-links'>),
    ).resolves.toMatchObject({ status: 201 });
  });
});

describe('local and test runs check every answer against its route', () => {
  const createLink = route('POST /v1/me/bank-links');
  const createCharge = route('POST /v1/me/charges');
  const unlink = route('DELETE /v1/me/bank-links/{linkId}');

  it('passes the declared status with a body of its schema, another declared success, and a declared error', () => {
    expect(() => checkResponse(createLink, { status: 201, body: created })).not.toThrow();
    expect(() => checkResponse(createCharge, { status: 202, body: { chargeId: 'chg_1', status: 'PENDING_CONFIRMATION' } })).not.toThrow();
    expect(() => checkResponse(createLink, { status: 409, body: { error: { code: 'ACCOUNT_ALREADY_LINKED', message: 'x', requestId: 'r' } } })).not.toThrow();
    expect(() => checkResponse(unlink, { status: 204 })).not.toThrow();
  });

  it('refuses a status the route does not declare', () => {
    expect(() => checkResponse(createLink, { status: 200, body: created })).toThrow(ContractViolation);
    expect(() => checkResponse(createLink, { status: 404, body: { error: { code: 'NOT_FOUND', message: 'x', requestId: 'r' } } })).toThrow(/does not declare/);
  });

  it('refuses a body off its schema, and a body where the route has none', () => {
    expect(() => checkResponse(createLink, { status: 201, body: { linkId: created.linkId } })).toThrow(/off its schema: (status|authorizationUrl)/);
    expect(() => checkResponse(createLink, { status: 409, body: { message: 'no envelope' } })).toThrow(ContractViolation);
    expect(() => checkResponse(unlink, { status: 204, body: {} })).toThrow(/body its route does not declare/);
  });
});
