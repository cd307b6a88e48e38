import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { FUNCTIONS, type FunctionName } from '../../functions/shared/catalog';

/** Every function of the catalog by name; the definition picks its task Lambdas from here. */
export type WorkflowTasks = Record<FunctionName, lambda.IFunction>;

/** Step Functions task handlers live under functions/workflow/ (STYLE layout). */
const WORKFLOW_TASK = (Object.keys(FUNCTIONS) as FunctionName[]).find((name) => FUNCTIONS[name].entry.startsWith('functions/workflow/'));

/**
 * The charge workflow for charges that are not allowed outright. JSONPath only: the
 * local runner (aws-local-stepfunctions) ignores JSONata, and it runs this same
 * definition. The execution input carries `chargeId` and `timeouts.smsSeconds`.
 */
export function chargeWorkflowDefinition(scope: Construct, fns: WorkflowTasks): sfn.IChainable {
  // replaced when the charge workflow lands (issue 4): until the catalog has a workflow
  // task function, `profile` stands in so the definition synthesizes and can be tested.
  const smsTask = fns[WORKFLOW_TASK ?? 'profile'];

  // The task hands the token to the SMS-code store; the confirm Lambda resumes with SendTaskSuccess/Failure.
  const waitForSms = new tasks.LambdaInvoke(scope, 'WaitForSmsConfirmation', {
    lambdaFunction: smsTask,
    integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    payload: sfn.TaskInput.fromObject({
      taskToken: sfn.JsonPath.taskToken,
      chargeId: sfn.JsonPath.stringAt('$.chargeId'),
    }),
    // From the input, so the risk policy owns the number (5 minutes) and tests can shorten it.
    taskTimeout: sfn.Timeout.at('$.timeouts.smsSeconds'),
    resultPath: '$.confirmation',
  });

  // A Pass until the task that marks the charge EXPIRED exists.
  const expire = new sfn.Pass(scope, 'Expire', {
    result: sfn.Result.fromObject({ status: 'EXPIRED' }),
    resultPath: '$.outcome',
  });
  const expired = new sfn.Fail(scope, 'ChargeExpired', { error: 'ChargeExpired', cause: 'The SMS confirmation was not given in time' });

  waitForSms.addCatch(expire.next(expired), { errors: [sfn.Errors.TIMEOUT], resultPath: '$.error' });

  return waitForSms.next(new sfn.Succeed(scope, 'Confirmed'));
}
