import { DescribeExecutionCommand, SFNClient, SendTaskFailureCommand, SendTaskSuccessCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { correlated } from '../shared/correlation';
import { traced } from '../shared/tracer';
import type { ChargeWorkflowInput, WorkflowEngine } from '../app/ports';

const nameOf = (e: unknown) => (e && typeof e === 'object' ? (e as { name?: string }).name : undefined);
/** A token that was already used, timed out, or belongs to an ended execution. */
const GONE = new Set(['TaskDoesNotExist', 'TaskTimedOut', 'InvalidToken']);

export class StepFunctionsWorkflow implements WorkflowEngine {
  private readonly client = traced(new SFNClient({}));
  constructor(private readonly stateMachineArn: string) {}

  async start(name: string, input: ChargeWorkflowInput): Promise<void> {
    try {
      await this.client.send(new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name, input: JSON.stringify(correlated(name, input)) }));
    } catch (e) {
      // Same name and input: Standard workflows answer with the running execution; a finished one is ExecutionAlreadyExists.
      if (nameOf(e) !== 'ExecutionAlreadyExists') throw e;
    }
  }

  async isRunning(name: string): Promise<boolean> {
    const executionArn = this.stateMachineArn.replace(':stateMachine:', ':execution:') + `:${name}`;
    try {
      const out = await this.client.send(new DescribeExecutionCommand({ executionArn }));
      return out.status === 'RUNNING';
    } catch (e) {
      if (nameOf(e) === 'ExecutionDoesNotExist') return false;
      throw e;
    }
  }

  async succeed(token: string, output: Record<string, unknown>): Promise<boolean> {
    try {
      await this.client.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }));
      return true;
    } catch (e) {
      if (GONE.has(nameOf(e) ?? '')) return false;
      throw e;
    }
  }

  async fail(token: string, error: string, cause: string): Promise<boolean> {
    try {
      await this.client.send(new SendTaskFailureCommand({ taskToken: token, error, cause }));
      return true;
    } catch (e) {
      if (GONE.has(nameOf(e) ?? '')) return false;
      throw e;
    }
  }
}
