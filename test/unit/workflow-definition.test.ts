/**
 * The charge saga's definition exactly as CDK synthesizes it (and as the local stack
 * runs it): valid Amazon States Language, callback waits with the contract's timeouts
 * that end the charge on every way out, a bank debit that retries only when the bank
 * did not answer, and no way from a debit to an ending that neither credits the
 * wallet nor gives the money back.
 */
import { CHARGE_TIMEOUTS } from '../../functions/domain/policy';
import { WORKFLOW_ERRORS } from '../../functions/workflow/errors';
import { localFunctionArn, synthesizeChargeDefinition } from '../../local/workflow-definition';
import type { Definition, Retrier, State } from '../support/asl';

type Validator = (definition: unknown, options?: { checkPaths?: boolean; checkArn?: boolean }) => { isValid: boolean; errors: { message?: string }[]; errorsText: (sep?: string) => string };
// asl-validator ships no type declarations.
const aslValidator = require('asl-validator') as Validator;

jest.setTimeout(30_000);

const definition = synthesizeChargeDefinition() as unknown as Definition;
const S = definition.States;

const targets = (s: State): string[] => [s.Next, s.Default, ...(s.Choices ?? []).map((c) => c.Next), ...(s.Catch ?? []).map((c) => c.Next)].filter((t): t is string => !!t);

/** Where an error thrown by a state's task goes: its first matching catcher, in order (States.ALL matches all). */
function catchTarget(state: State, error: string): string | undefined {
  return state.Catch?.find((c) => c.ErrorEquals.includes(error) || c.ErrorEquals.includes('States.ALL'))?.Next;
}
function retrierFor(state: State, error: string): Retrier | undefined {
  return state.Retry?.find((r) => r.ErrorEquals.includes(error) || r.ErrorEquals.includes('States.ALL'));
}

function reachableFrom(start: string, without: string[] = []): Set<string> {
  const seen = new Set<string>();
  const todo = [start];
  while (todo.length) {
    const name = todo.pop()!;
    if (seen.has(name) || without.includes(name)) continue;
    seen.add(name);
    todo.push(...targets(S[name]));
  }
  return seen;
}

describe('the synthesized definition', () => {
  it('is valid Amazon States Language (asl-validator, paths and ARNs checked)', () => {
    const result = aslValidator(structuredClone(definition), { checkPaths: true, checkArn: true });
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('the validator is not a rubber stamp: a dangling Next is invalid', () => {
    const broken = structuredClone(definition);
    broken.States.DebitBank.Next = 'NoSuchState';
    expect(aslValidator(broken).isValid).toBe(false);
  });

  it('uses JSONPath only (the local runner ignores JSONata)', () => {
    expect(JSON.stringify(definition)).not.toMatch(/JSONata/);
    expect(definition.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
  });

  it('every state is reachable from the start, and every transition names a state', () => {
    expect([...reachableFrom(definition.StartAt)].sort()).toEqual(Object.keys(S).sort());
    for (const [name, state] of Object.entries(S)) for (const t of targets(state)) expect({ from: name, to: t, exists: t in S }).toEqual({ from: name, to: t, exists: true });
  });

  it('every task invokes the charge workflow function', () => {
    const tasks = Object.values(S).filter((s) => s.Type === 'Task');
    expect(tasks.length).toBeGreaterThan(0);
    for (const t of tasks) expect(t.Parameters?.FunctionName).toBe(localFunctionArn('chargeWorkflow'));
  });

  it('routes each start stage: CONFIRM, REVIEW, EXECUTE, and fails an unknown one', () => {
    expect(definition.StartAt).toBe('Route');
    expect(S.Route.Type).toBe('Choice');
    expect(Object.fromEntries(S.Route.Choices!.map((c) => [c.StringEquals, c.Next]))).toEqual({ CONFIRM: 'AwaitConfirmation', REVIEW: 'AwaitReview', EXECUTE: 'DebitBank' });
    expect(S[S.Route.Default!].Type).toBe('Fail');
  });

  it('after the SMS confirmation, a REVIEW charge waits for a human and any other goes to the bank', () => {
    expect(S.AwaitConfirmation.Next).toBe('NeedsReview');
    expect(S.NeedsReview.Choices).toEqual([expect.objectContaining({ Variable: '$.outcome', StringEquals: 'REVIEW', Next: 'AwaitReview' })]);
    expect(S.NeedsReview.Default).toBe('DebitBank');
    expect(S.AwaitReview.Next).toBe('DebitBank');
  });
});

describe('the callback waits', () => {
  const waits: [string, number, string][] = [
    ['AwaitConfirmation', 300, 'awaitConfirmation'],
    ['AwaitReview', 86_400, 'awaitReview'],
  ];

  it.each(waits)('%s waits for a task token for %i s', (name, seconds, action) => {
    const s = S[name];
    expect(s.Type).toBe('Task');
    expect(s.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(s.TimeoutSeconds).toBe(seconds);
    expect(s.Parameters?.Payload).toEqual(expect.objectContaining({ action, 'taskToken.$': '$$.Task.Token', 'chargeId.$': '$.chargeId', 'userId.$': '$.userId' }));
  });

  it('the timeouts are the policy\'s (5 minutes for the SMS code, 24 hours for a review)', () => {
    expect(S.AwaitConfirmation.TimeoutSeconds).toBe(CHARGE_TIMEOUTS.smsConfirmationSeconds);
    expect(S.AwaitReview.TimeoutSeconds).toBe(CHARGE_TIMEOUTS.reviewSeconds);
  });

  it.each(waits.map(([n]) => n))('%s ends the charge on every way out: timeout or Expired → EXPIRED, Cancelled → CANCELLED, Rejected → DECLINED, anything else → FAILED', (name) => {
    const s = S[name];
    expect(catchTarget(s, 'States.Timeout')).toBe('ExpireCharge');
    expect(catchTarget(s, WORKFLOW_ERRORS.expired)).toBe('ExpireCharge');
    expect(catchTarget(s, WORKFLOW_ERRORS.cancelled)).toBe('CancelCharge');
    expect(catchTarget(s, WORKFLOW_ERRORS.rejected)).toBe('DeclineCharge');
    expect(catchTarget(s, 'States.TaskFailed')).toBe('FailCharge');
    const named = s.Catch!.flatMap((c) => c.ErrorEquals);
    expect(named).toEqual(expect.arrayContaining(['States.Timeout', WORKFLOW_ERRORS.expired, WORKFLOW_ERRORS.cancelled, WORKFLOW_ERRORS.rejected]));
    // States.ALL must be alone and last, or the named catchers after it would never match.
    expect(s.Catch![s.Catch!.length - 1].ErrorEquals).toEqual(['States.ALL']);
  });

  it.each([
    ['ExpireCharge', 'EXPIRED'],
    ['CancelCharge', 'CANCELLED'],
    ['DeclineCharge', 'DECLINED'],
    ['FailCharge', 'FAILED'],
  ])('%s ends the charge as %s, retried, and ends the execution', (name, status) => {
    const s = S[name];
    expect(s.Parameters?.Payload).toEqual(expect.objectContaining({ action: 'finish', status }));
    expect(retrierFor(s, 'States.TaskFailed')).toEqual(expect.objectContaining({ MaxAttempts: expect.any(Number) }));
    expect(['Succeed', 'Fail']).toContain(S[s.Next!].Type);
    expect(S[catchTarget(s, 'States.ALL')!].Type).toBe('Fail');
  });
});

describe('the money steps', () => {
  it('DebitBank retries BankUnavailable with back-off, and only that of the workflow errors', () => {
    const r = retrierFor(S.DebitBank, WORKFLOW_ERRORS.bankUnavailable)!;
    expect(r.ErrorEquals).toContain(WORKFLOW_ERRORS.bankUnavailable);
    expect(r.MaxAttempts).toBeGreaterThanOrEqual(2);
    expect(r.BackoffRate).toBeGreaterThan(1);
    for (const e of [WORKFLOW_ERRORS.bankDeclined, WORKFLOW_ERRORS.chargeClosed]) expect(retrierFor(S.DebitBank, e)).toBeUndefined();
  });

  it('DebitBank: declined → FAILED (no money moved), charge no longer processing → ended, anything else (outcome unknown) → ReverseDebit', () => {
    expect(S.DebitBank.Next).toBe('CreditWallet');
    expect(catchTarget(S.DebitBank, WORKFLOW_ERRORS.bankDeclined)).toBe('FailCharge');
    expect(catchTarget(S.DebitBank, WORKFLOW_ERRORS.chargeClosed)).toBe('Ended');
    expect(catchTarget(S.DebitBank, WORKFLOW_ERRORS.bankUnavailable)).toBe('ReverseDebit');
    expect(catchTarget(S.DebitBank, 'States.TaskFailed')).toBe('ReverseDebit');
  });

  it("CreditWallet's catch goes to ReverseDebit, whatever stops the credit (cap, crash, busy ledger after its retries)", () => {
    expect(S.CreditWallet.Next).toBe('Completed');
    expect(S.CreditWallet.Catch).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'ReverseDebit' })]);
    for (const e of [WORKFLOW_ERRORS.creditRejected, WORKFLOW_ERRORS.ledgerBusy, WORKFLOW_ERRORS.chargeClosed, WORKFLOW_ERRORS.stopped, 'SimulatedCrash']) expect(catchTarget(S.CreditWallet, e)).toBe('ReverseDebit');
    expect(retrierFor(S.CreditWallet, WORKFLOW_ERRORS.ledgerBusy)?.ErrorEquals).toEqual([WORKFLOW_ERRORS.ledgerBusy]);
    expect(retrierFor(S.CreditWallet, WORKFLOW_ERRORS.creditRejected)).toBeUndefined();
  });

  it('ReverseDebit retries anything, and a reversal that cannot be done fails the execution (which pages ops)', () => {
    expect(retrierFor(S.ReverseDebit, 'States.TaskFailed')?.MaxAttempts).toBeGreaterThanOrEqual(3);
    expect(S[catchTarget(S.ReverseDebit, 'States.ALL')!].Type).toBe('Fail');
    expect(S[S.ReverseDebit.Next!].Type).toBe('Succeed');
  });

  it('once the bank may have moved money, every ending goes through CreditWallet or ReverseDebit', () => {
    // What DebitBank can reach without crediting or reversing is only: a decline (no money moved) or a closed charge (no debit made).
    const withoutMoneySteps = reachableFrom('DebitBank', ['CreditWallet', 'ReverseDebit']);
    withoutMoneySteps.delete('DebitBank');
    expect([...withoutMoneySteps].sort()).toEqual(['Ended', 'FailCharge', 'FinishFailed'].sort());
    // And from CreditWallet, the only endings are Completed or the compensation.
    const afterCredit = [...reachableFrom('CreditWallet')].filter((n) => ['Succeed', 'Fail'].includes(S[n].Type)).sort();
    expect(afterCredit).toEqual(['Compensated', 'Completed', 'ReversalFailed']);
  });

  it('every workflow error name is handled where it is raised', () => {
    const raisedBy: Record<string, string[]> = {
      [WORKFLOW_ERRORS.bankUnavailable]: ['DebitBank'],
      [WORKFLOW_ERRORS.bankDeclined]: ['DebitBank'],
      [WORKFLOW_ERRORS.chargeClosed]: ['DebitBank', 'CreditWallet'],
      [WORKFLOW_ERRORS.creditRejected]: ['CreditWallet'],
      [WORKFLOW_ERRORS.stopped]: ['CreditWallet'],
      [WORKFLOW_ERRORS.ledgerBusy]: ['CreditWallet'],
      [WORKFLOW_ERRORS.expired]: ['AwaitConfirmation', 'AwaitReview'],
      [WORKFLOW_ERRORS.cancelled]: ['AwaitConfirmation', 'AwaitReview'],
      [WORKFLOW_ERRORS.rejected]: ['AwaitConfirmation', 'AwaitReview'],
    };
    expect(Object.keys(raisedBy).sort()).toEqual(Object.values(WORKFLOW_ERRORS).sort());
    for (const [error, states] of Object.entries(raisedBy)) {
      for (const name of states) expect({ error, state: name, handled: !!(retrierFor(S[name], error) || catchTarget(S[name], error)) }).toEqual({ error, state: name, handled: true });
    }
  });

  it('results land under $.steps, so one step never overwrites the input another reads', () => {
    for (const [name, s] of Object.entries(S)) {
      if (s.Type !== 'Task') continue;
      expect({ name, resultPath: s.ResultPath }).toEqual({ name, resultPath: expect.stringMatching(/^\$\.steps\./) });
      for (const c of s.Catch ?? []) expect(c.ResultPath).toBe('$.steps.error');
    }
  });
});
