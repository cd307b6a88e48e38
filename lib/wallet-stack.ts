import { Annotations, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { FUNCTIONS, type FunctionName, type FunctionSpec } from '../functions/shared/catalog';
import { ROUTES } from '../functions/shared/routes';
import type { StageConfig } from './config';
import { WalletApi } from './constructs/api';
import { ChargeWorkflow } from './constructs/charge-workflow';
import { Data } from './constructs/data';
import { pascal, WalletFunction, type CapabilityTargets } from './constructs/function';
import { Identity } from './constructs/identity';
import { Monitoring } from './constructs/monitoring';
import { OpsConsole } from './constructs/ops-console';
import { FunctionSchedule } from './constructs/schedule';
import { ServiceSecrets } from './constructs/secrets';
import { SmsSpendLimit } from './constructs/sms-spend';

/** Functions that run on a timer, and how often. */
export const SCHEDULES: Partial<Record<FunctionName, Duration>> = {
  // Expires or resumes charges whose workflow stopped or never started (functions/workflow/sweeper.ts).
  sweeper: Duration.minutes(1),
};

export interface WalletStackProps extends StackProps {
  config: StageConfig;
}

/**
 * Everything `cdk deploy` creates. Functions, grants and routes are generated from
 * functions/shared/catalog.ts and routes.ts: adding an entry there is all it takes.
 */
export class WalletStack extends Stack {
  readonly config: StageConfig;
  readonly data: Data;
  readonly identity: Identity;
  readonly secrets: ServiceSecrets;
  readonly api: WalletApi;
  readonly functions: Record<FunctionName, WalletFunction>;
  readonly workflow: ChargeWorkflow;
  readonly monitoring: Monitoring;
  readonly console: OpsConsole;
  readonly schedules: Partial<Record<FunctionName, FunctionSchedule>> = {};
  readonly smsSpendLimit: SmsSpendLimit;

  constructor(scope: Construct, id: string, props: WalletStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.config = config;

    this.monitoring = new Monitoring(this, 'Monitoring', { config });
    this.data = new Data(this, 'Data', { retainData: config.retainData });
    this.identity = new Identity(this, 'Identity', { retainData: config.retainData });
    this.secrets = new ServiceSecrets(this, 'Secrets', {
      stage: config.stage,
      retainData: config.retainData,
      existingSecretName: config.serviceSecretName,
      providerIssued: config.providerIssuedSecrets,
    });
    // The console site depends on nothing else, so the API's CORS and the functions can name its
    // domain; the API URL reaches the site only through its deployment (config.js), below.
    this.console = new OpsConsole(this, 'OpsConsole', { config });
    this.api = new WalletApi(this, 'Api', {
      config,
      userPool: this.identity.userPool,
      client: this.identity.client,
      staffPool: this.identity.staffPool,
      staffClient: this.identity.staffClient,
      extraOrigins: [this.console.origin],
    });
    this.console.deploy(this.api.url, { region: this.region, clientId: this.identity.staffClient.userPoolClientId });

    for (const key of ['ekycProviderUrl', 'bankGatewayUrl'] as const) {
      // prod refuses to synthesize without them (lib/config.ts); a dev stack may leave a provider out.
      if (!config[key]) {
        Annotations.of(this).addWarningV2(`anshin:missing-${key}`, `No "${key}" context: functions that call that provider will fail until it is set.`);
      }
    }
    const environment: Record<string, string> = {
      TABLE_NAME: this.data.table.tableName,
      USER_POOL_ID: this.identity.userPool.userPoolId,
      USER_POOL_CLIENT_ID: this.identity.client.userPoolClientId,
      PUBLIC_BASE_URL: this.api.url,
      NOT_ME_PAGE_URL: this.console.notMePageUrl,
      // functions/shared/config.ts: the SMS abuse limits and the phone country allow-list.
      ALLOWED_COUNTRY_CODES: config.sms.allowedCountryCodes.join(','),
      SMS_LIMIT_PER_PHONE: String(config.sms.perPhone),
      SMS_LIMIT_PER_ADDRESS: String(config.sms.perAddress),
      SMS_LIMIT_OVERALL: String(config.sms.overall),
      ACTIVITY_ITEM_FORMAT: config.activityItemFormat,
      CONTROLS_MIRROR: config.controlsMirror,
      ...(config.ekycProviderUrl ? { EKYC_PROVIDER_URL: config.ekycProviderUrl } : {}),
    };
    const targets: CapabilityTargets = {
      data: this.data,
      bankGatewayUrl: config.bankGatewayUrl,
      userPool: this.identity.userPool,
      secret: this.secrets.secret,
      workflow: ChargeWorkflow.ref(this, config),
      alertsTopic: this.monitoring.topic,
      alertsKey: this.monitoring.key,
    };

    // Every catalog entry, so a function added there is deployed, granted and alarmed without touching this file.
    const functions = {} as Record<FunctionName, WalletFunction>;
    const lambdas = {} as Record<FunctionName, lambda.IFunction>;
    for (const [name, spec] of Object.entries(FUNCTIONS) as [FunctionName, FunctionSpec][]) {
      const fn = new WalletFunction(this, `${pascal(name)}Function`, { name, spec, config, environment });
      fn.bindCatalog(spec, targets);
      // No function reads the secret before the deploy-time check has completed it (or refused it).
      if (spec.capabilities.includes('secrets')) fn.lambda.node.addDependency(this.secrets.setup);
      functions[name] = fn;
      lambdas[name] = fn.lambda;
    }
    this.functions = functions;

    this.api.addRoutes(ROUTES, lambdas);
    // Staff by e-mail in every audit record: the staff pool's access tokens carry it (functions/triggers/staff-token.ts).
    this.identity.staffPool.addTrigger(cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG, lambdas.staffToken, cognito.LambdaVersion.V2_0);
    this.workflow = new ChargeWorkflow(this, 'ChargeWorkflow', { config, functions: lambdas });

    for (const [name, every] of Object.entries(SCHEDULES) as [FunctionName, Duration][]) {
      this.schedules[name] = new FunctionSchedule(this, `${pascal(name)}Schedule`, { fn: functions[name], every, monitoring: this.monitoring });
    }

    this.smsSpendLimit = new SmsSpendLimit(this, 'SmsSpendLimit', { monthlySpendLimitUsd: config.sms.monthlySpendLimitUsd });

    this.monitoring.watchBusiness();
    this.monitoring.watchFunctions(lambdas);
    this.monitoring.watchApi(this.api.httpApi);
    this.monitoring.watchWorkflow('Charge', this.workflow.stateMachine);

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'UserPoolId', { value: this.identity.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.identity.client.userPoolClientId });
    new CfnOutput(this, 'StaffPoolId', { value: this.identity.staffPool.userPoolId, description: 'Create staff here and add them to the ops group; TOTP is required' });
    new CfnOutput(this, 'StaffConsoleClientId', { value: this.identity.staffClient.userPoolClientId });
    new CfnOutput(this, 'TableName', { value: this.data.table.tableName });
    new CfnOutput(this, 'ChargeStateMachineArn', { value: this.workflow.stateMachine.stateMachineArn });
    new CfnOutput(this, 'OpsAlertsTopicArn', { value: this.monitoring.topic.topicArn, description: 'Subscribe the on-call channel here' });
    new CfnOutput(this, 'DashboardName', { value: this.monitoring.dashboard.dashboardName });
    new CfnOutput(this, 'OpsConsoleUrl', { value: this.console.url, description: 'The ops console (staff sign in with their Cognito ops account)' });
  }
}
