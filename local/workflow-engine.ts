import { randomUUID } from 'node:crypto';
import type { ChargeWorkflowInput, WorkflowEngine } from '../functions/app/ports';
import { correlated } from '../functions/shared/correlation';
import { functionNameOfArn } from './workflow-definition';
import type { FunctionName } from '../functions/shared/catalog';
import './polyfills';

type Invoke = (fn: FunctionName, payload: Record<string, unknown>) => Promise<unknown>;

interface AslState {
  Type: string;
  Resource?: string;
}

/** The placeholder the definition's `$$.Task.Token` resolves to; the glue swaps in a real token per task. */
const TOKEN_PLACEHOLDER = 'LOCAL_TASK_TOKEN';

export interface LocalExecution {
  name: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  input: ChargeWorkflowInput;
  startedAt: string;
  stoppedAt?: string;
  error?: string;
}

/**
 * Runs the synthesized charge definition on aws-local-stepfunctions, plus the task-token
 * glue it lacks: a callback task hands the handler a fresh token and waits until
 * SendTaskSuccess/Failure (here `succeed`/`fail`) resolves it, or its timeout fires.
 */
export class LocalWorkflowEngine implements WorkflowEngine {
  private readonly executions = new Map<string, LocalExecution & { abort?: () => void }>();
  private readonly waiting = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly overrides: Record<string, (input: any) => Promise<unknown>> = {};
  private machine: { run: (input: unknown, options: unknown) => { abort: () => void; result: Promise<unknown> } } | undefined;

  constructor(private readonly definition: Record<string, unknown>, private readonly invoke: Invoke, private readonly log: (line: string) => void) {
    const states = definition.States as Record<string, AslState>;
    for (const [stateName, state] of Object.entries(states)) {
      if (state.Type !== 'Task' || !state.Resource?.includes(':states:::lambda:invoke')) continue;
      const callback = state.Resource.endsWith('.waitForTaskToken');
      this.overrides[stateName] = (input: { FunctionName: string; Payload: Record<string, unknown> }) => this.runTask(stateName, input, callback);
    }
  }

  private async runTask(stateName: string, input: { FunctionName: string; Payload: Record<string, unknown> }, callback: boolean): Promise<unknown> {
    const fn = functionNameOfArn(input.FunctionName);
    if (!fn) throw new Error(`${stateName}: no local function for ${input.FunctionName}`);
    if (!callback) {
      const payload = await this.invoke(fn, input.Payload);
      return { StatusCode: 200, ExecutedVersion: '$LATEST', Payload: payload };
    }
    const token = `local-token-${randomUUID()}`;
    const resumed = new Promise<unknown>((resolve, reject) => this.waiting.set(token, { resolve, reject }));
    // Under load the decision can arrive (SendTaskFailure: a rejected review) before the task's own
    // invocation has returned; nothing awaits `resumed` yet, and an unhandled rejection would end the
    // whole local stack. Marking it handled here keeps the rejection for the await below.
    resumed.catch(() => undefined);
    try {
      await this.invoke(fn, { ...input.Payload, taskToken: token });
      return await resumed;
    } finally {
      this.waiting.delete(token);
    }
  }

  private async stateMachine() {
    if (!this.machine) {
      const { StateMachine } = await import('aws-local-stepfunctions');
      this.machine = new StateMachine(this.definition as never, { validationOptions: { checkPaths: false } }) as never;
    }
    return this.machine!;
  }

  async start(name: string, input: ChargeWorkflowInput): Promise<void> {
    if (this.executions.has(name)) return;
    input = correlated(name, input);
    const machine = await this.stateMachine();
    const execution: LocalExecution & { abort?: () => void } = { name, status: 'RUNNING', input, startedAt: new Date().toISOString() };
    this.executions.set(name, execution);
    const run = machine.run(input, {
      overrides: { taskResourceLocalHandlers: this.overrides },
      context: { Execution: { Id: `local:${name}`, Name: name, Input: input, StartTime: execution.startedAt }, Task: { Token: TOKEN_PLACEHOLDER } },
    });
    execution.abort = run.abort;
    run.result.then(
      () => Object.assign(execution, { status: 'SUCCEEDED', stoppedAt: new Date().toISOString() }),
      (e: Error) => {
        Object.assign(execution, { status: 'FAILED', stoppedAt: new Date().toISOString(), error: `${e.name}: ${e.message}` });
        this.log(`[workflow] execution ${name} failed: ${e.name}: ${e.message}`);
      },
    );
  }

  async isRunning(name: string): Promise<boolean> {
    return this.executions.get(name)?.status === 'RUNNING';
  }

  async succeed(token: string, output: Record<string, unknown>): Promise<boolean> {
    const w = this.waiting.get(token);
    if (!w) return false;
    this.waiting.delete(token);
    w.resolve(output);
    return true;
  }

  async fail(token: string, error: string, cause: string): Promise<boolean> {
    const w = this.waiting.get(token);
    if (!w) return false;
    this.waiting.delete(token);
    w.reject(Object.assign(new Error(cause), { name: error }));
    return true;
  }

  list(): LocalExecution[] {
    return [...this.executions.values()].map(({ abort: _abort, ...e }) => e);
  }

  /** On shutdown: executions end with the process, as they would in a crash; the sweeper resumes them. */
  stopAll(): void {
    for (const e of this.executions.values()) if (e.status === 'RUNNING') e.abort?.();
  }
}
