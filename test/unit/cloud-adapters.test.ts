/**
 * The cloud adapters against the AWS SDK with its `send` stubbed by aws-sdk-client-mock: the
 * commands they send, and what each does with the errors AWS answers.
 */
import { DescribeExecutionCommand, SFNClient, SendTaskFailureCommand, SendTaskSuccessCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { secretsFromSecretsManager, SECRETS_MAX_AGE_MS } from '../../functions/adapters/secrets';
import { StepFunctionsWorkflow } from '../../functions/adapters/sfn-workflow';
import { SnsOpsAlerts } from '../../functions/adapters/sns-alerts';
import { SnsSmsSender } from '../../functions/adapters/sns-sms';
import { withCorrelationId } from '../../functions/shared/correlation';

process.env.AWS_REGION ??= 'ap-northeast-1';

/** An error as the SDK throws it: a service exception is told apart by its name. */
const awsError = (name: string) => Object.assign(new Error(`${name} (mocked)`), { name, $metadata: {} });

const ARN = 'arn:aws:states:ap-northeast-1:123456789012:stateMachine:ChargeWorkflow';
const input = { chargeId: 'chg_1', userId: 'u1', outcome: 'CHALLENGE' as const, stage: 'CONFIRM' as const };

describe('StepFunctionsWorkflow', () => {
  const sfn = mockClient(SFNClient);
  beforeEach(() => sfn.reset());
  afterAll(() => sfn.restore());

  it('starts the named execution with the input and the correlation id of the request that started it', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'x', startDate: new Date() });
    await withCorrelationId('req-123', () => new StepFunctionsWorkflow(ARN).start('chg_1', input));
    const call = sfn.commandCalls(StartExecutionCommand)[0].args[0].input;
    expect(call).toEqual({ stateMachineArn: ARN, name: 'chg_1', input: expect.any(String) });
    expect(JSON.parse(call.input!)).toEqual({ ...input, correlationId: 'req-123' });
  });

  it('names the execution as its correlation id when nothing is running (the definition reads $.correlationId)', async () => {
    sfn.on(StartExecutionCommand).resolves({});
    await new StepFunctionsWorkflow(ARN).start('chg_2-x', input);
    expect(JSON.parse(sfn.commandCalls(StartExecutionCommand)[0].args[0].input.input!).correlationId).toBe('chg_2-x');
  });

  it('treats a second start of the same execution as done, and passes every other error on', async () => {
    sfn.on(StartExecutionCommand).rejectsOnce(awsError('ExecutionAlreadyExists')).rejectsOnce(awsError('ExecutionLimitExceeded'));
    const wf = new StepFunctionsWorkflow(ARN);
    await expect(wf.start('chg_1', input)).resolves.toBeUndefined();
    await expect(wf.start('chg_1', input)).rejects.toMatchObject({ name: 'ExecutionLimitExceeded' });
  });

  it('asks for the execution by the ARN derived from the state machine and its name', async () => {
    sfn.on(DescribeExecutionCommand).resolvesOnce({ status: 'RUNNING' }).resolvesOnce({ status: 'SUCCEEDED' });
    const wf = new StepFunctionsWorkflow(ARN);
    expect(await wf.isRunning('chg_1')).toBe(true);
    expect(await wf.isRunning('chg_1')).toBe(false);
    expect(sfn.commandCalls(DescribeExecutionCommand)[0].args[0].input).toEqual({
      executionArn: 'arn:aws:states:ap-northeast-1:123456789012:execution:ChargeWorkflow:chg_1',
    });
  });

  it('reads an execution that does not exist as not running, and passes other errors on', async () => {
    sfn.on(DescribeExecutionCommand).rejectsOnce(awsError('ExecutionDoesNotExist')).rejectsOnce(awsError('ThrottlingException'));
    const wf = new StepFunctionsWorkflow(ARN);
    expect(await wf.isRunning('gone')).toBe(false);
    await expect(wf.isRunning('busy')).rejects.toMatchObject({ name: 'ThrottlingException' });
  });

  it.each([
    ['succeed', SendTaskSuccessCommand, (wf: StepFunctionsWorkflow) => wf.succeed('tok', { resumedFrom: 'PROCESSING' })],
    ['fail', SendTaskFailureCommand, (wf: StepFunctionsWorkflow) => wf.fail('tok', 'Charge.Expired', 'expired')],
  ] as const)('%s: true when the task resumed, false for a token used, timed out or unknown, other errors passed on', async (_name, command, call) => {
    const wf = new StepFunctionsWorkflow(ARN);
    sfn
      .on(command as typeof SendTaskSuccessCommand)
      .resolvesOnce({})
      .rejectsOnce(awsError('TaskDoesNotExist'))
      .rejectsOnce(awsError('TaskTimedOut'))
      .rejectsOnce(awsError('InvalidToken'))
      .rejectsOnce(awsError('ThrottlingException'));
    expect(await call(wf)).toBe(true);
    expect(await call(wf)).toBe(false);
    expect(await call(wf)).toBe(false);
    expect(await call(wf)).toBe(false);
    await expect(call(wf)).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(sfn.commandCalls(command as typeof SendTaskSuccessCommand)[0].args[0].input).toEqual(expect.objectContaining({ taskToken: 'tok' }));
  });

  it('sends the output of a resumed task as JSON and a failure with its error and cause', async () => {
    sfn.on(SendTaskSuccessCommand).resolves({});
    sfn.on(SendTaskFailureCommand).resolves({});
    const wf = new StepFunctionsWorkflow(ARN);
    await wf.succeed('t1', { resumedFrom: 'COMPLETED' });
    await wf.fail('t2', 'Charge.Cancelled', 'charge is CANCELLED');
    expect(sfn.commandCalls(SendTaskSuccessCommand)[0].args[0].input).toEqual({ taskToken: 't1', output: '{"resumedFrom":"COMPLETED"}' });
    expect(sfn.commandCalls(SendTaskFailureCommand)[0].args[0].input).toEqual({ taskToken: 't2', error: 'Charge.Cancelled', cause: 'charge is CANCELLED' });
  });
});

describe('SNS adapters', () => {
  const sns = mockClient(SNSClient);
  beforeEach(() => sns.reset());
  afterAll(() => sns.restore());

  it('sends an SMS as a transactional direct publish with the sender id', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm1' });
    await new SnsSmsSender().send('+819012345678', 'あんしんウォレット 認証コード 123456');
    expect(sns.commandCalls(PublishCommand)[0].args[0].input).toEqual({
      PhoneNumber: '+819012345678',
      Message: 'あんしんウォレット 認証コード 123456',
      MessageAttributes: {
        'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
        'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: 'ANSHIN' },
      },
    });
  });

  it('lets an SMS that SNS refuses fail the caller (the code was not sent)', async () => {
    sns.on(PublishCommand).rejects(awsError('KMSThrottlingException'));
    await expect(new SnsSmsSender().send('+819012345678', 'x')).rejects.toMatchObject({ name: 'KMSThrottlingException' });
  });

  it('pages ops on the topic, the subject cut to the 100 characters SNS takes', async () => {
    sns.on(PublishCommand).resolves({});
    await new SnsOpsAlerts('arn:aws:sns:ap-northeast-1:123456789012:ops').notify('Debit reversal failed: '.padEnd(140, 'x'), 'charge chg_1');
    const sent = sns.commandCalls(PublishCommand)[0].args[0].input;
    expect(sent).toEqual({ TopicArn: 'arn:aws:sns:ap-northeast-1:123456789012:ops', Subject: expect.any(String), Message: 'charge chg_1' });
    expect(sent.Subject).toHaveLength(100);
  });

  it('lets a page that SNS refuses fail the caller', async () => {
    sns.on(PublishCommand).rejects(awsError('AuthorizationErrorException'));
    await expect(new SnsOpsAlerts('arn:aws:sns:ap-northeast-1:123456789012:ops').notify('s', 'm')).rejects.toMatchObject({
      name: 'AuthorizationErrorException',
    });
  });
});

describe('secrets from Secrets Manager', () => {
  const sm = mockClient(SecretsManagerClient);
  beforeEach(() => sm.reset());
  afterAll(() => sm.restore());
  const ARN_SECRET = 'arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:anshin';
  const stored = (bankApiKey: string) => ({
    SecretString: JSON.stringify({ masterKey: 'm'.repeat(64), ekycWebhookSecret: 'the-providers-secret-123', bankApiKey }),
  });

  it('reads the secret once while it is fresh, and again after maxAge, so a rotated value takes effect', async () => {
    sm.on(GetSecretValueCommand).resolvesOnce(stored('bank-key-1')).resolvesOnce(stored('bank-key-2'));
    let now = 1_000_000;
    const secrets = secretsFromSecretsManager(ARN_SECRET, { now: () => now });
    expect((await secrets()).bankApiKey).toBe('bank-key-1');
    now += SECRETS_MAX_AGE_MS - 1;
    expect((await secrets()).bankApiKey).toBe('bank-key-1');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    now += 1;
    expect((await secrets()).bankApiKey).toBe('bank-key-2');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    expect(sm.commandCalls(GetSecretValueCommand)[0].args[0].input).toEqual({ SecretId: ARN_SECRET });
  });

  it('shares one read among concurrent callers', async () => {
    sm.on(GetSecretValueCommand).resolves(stored('k'));
    const secrets = secretsFromSecretsManager(ARN_SECRET);
    await Promise.all([secrets(), secrets(), secrets()]);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('fails a first read that fails, and tries again on the next call', async () => {
    sm.on(GetSecretValueCommand).rejectsOnce(awsError('InternalServiceError')).resolvesOnce(stored('k'));
    const secrets = secretsFromSecretsManager(ARN_SECRET);
    await expect(secrets()).rejects.toMatchObject({ name: 'InternalServiceError' });
    expect((await secrets()).bankApiKey).toBe('k');
  });

  it('keeps serving the last value read while a refresh fails, and refreshes once it works', async () => {
    sm.on(GetSecretValueCommand).resolvesOnce(stored('old')).rejectsOnce(awsError('ThrottlingException')).resolvesOnce(stored('new'));
    let now = 0;
    const secrets = secretsFromSecretsManager(ARN_SECRET, { now: () => now });
    expect((await secrets()).bankApiKey).toBe('old');
    now += SECRETS_MAX_AGE_MS;
    expect((await secrets()).bankApiKey).toBe('old');
    expect((await secrets()).bankApiKey).toBe('new');
  });

  it('refuses a stored secret without its master key', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: '{"ekycWebhookSecret":"x"}' });
    await expect(secretsFromSecretsManager(ARN_SECRET)()).rejects.toThrow(/masterKey/);
  });
});
