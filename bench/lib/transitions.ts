/**
 * State transitions per charge, counted from an execution of the synthesized definition.
 *
 * Step Functions Standard bills one transition per state entered (Choice and Succeed
 * included, each retry again). The local engine (local/workflow-engine.ts) keeps no
 * event log, so the benchmark replays each real execution it observed: the very ASL the
 * stack runs (local/workflow-definition.ts, CDK-synthesized) on the same runner
 * (aws-local-stepfunctions), with the execution's real input, and each task answering
 * as it did in the stack (success for a charge that completed, the review's rejection
 * for a declined one). The runner's event log then gives the states entered. A task
 * retry would add transitions; the benchmark injects no faults, so none occur, and the
 * charge's final status is checked against the replay's final state.
 */
import { synthesizeChargeDefinition } from '../../local/workflow-definition';
import { WORKFLOW_ERRORS } from '../../functions/workflow/errors';
import '../../local/polyfills';

export type ObservedEnd = 'COMPLETED' | 'DECLINED';

export interface Replay {
  states: string[];
  transitions: number;
  taskInvocations: number;
  finalState: string;
}

let definition: Record<string, unknown> | undefined;

export async function replayExecution(input: Record<string, unknown>, end: ObservedEnd): Promise<Replay> {
  definition ??= synthesizeChargeDefinition();
  const states = definition.States as Record<string, { Type: string; Resource?: string }>;
  const { StateMachine } = await import('aws-local-stepfunctions');
  const handlers: Record<string, (input: any) => Promise<unknown>> = {};
  for (const [name, state] of Object.entries(states)) {
    if (state.Type !== 'Task') continue;
    const callback = !!state.Resource?.endsWith('.waitForTaskToken');
    handlers[name] = async () => {
      if (name === 'AwaitReview' && end === 'DECLINED') throw Object.assign(new Error('rejected by review'), { name: WORKFLOW_ERRORS.rejected });
      // A callback task resumes with what SendTaskSuccess carried; a plain task returns the Lambda's answer.
      if (callback) return { resumed: true };
      return { StatusCode: 200, Payload: name === 'DebitBank' ? { bankTransactionId: 'btx_replay' } : { ok: true } };
    };
  }
  const machine = new StateMachine(definition as never, { validationOptions: { checkPaths: false } });
  const run = machine.run(input as never, { overrides: { taskResourceLocalHandlers: handlers as never }, context: { Task: { Token: 'REPLAY' } } as never });
  const entered: string[] = [];
  const collect = (async () => {
    for await (const event of run.eventLogs) {
      if (event.type === 'StateEntered') entered.push(event.state.name);
    }
  })();
  await run.result;
  await collect;
  return {
    states: entered,
    transitions: entered.length,
    taskInvocations: entered.filter((s) => states[s]?.Type === 'Task').length,
    finalState: entered[entered.length - 1],
  };
}
