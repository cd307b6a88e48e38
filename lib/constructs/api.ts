import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { FunctionName } from '../../functions/shared/catalog';
import { routeKey, type RouteDef } from '../../functions/shared/routes';
import { acknowledge } from '../acknowledge';
import type { StageConfig } from '../config';

export interface WalletApiProps {
  config: StageConfig;
  userPool: cognito.IUserPool;
  client: cognito.IUserPoolClient;
  /** The staff pool and the console's client: the only tokens the ops routes accept. */
  staffPool: cognito.IUserPool;
  staffClient: cognito.IUserPoolClient;
  /** Origins the API must accept besides the configured ones: the ops console site (`https://<cloudfront domain>`). */
  extraOrigins?: string[];
}

/** Headers clients send: the bearer token, JSON bodies, charge idempotency and the device id that feeds risk. */
export const CORS_HEADERS = ['authorization', 'content-type', 'idempotency-key', 'x-device-id'];

/** Why each public route has no authorizer: callers without a Cognito token, and what protects the route instead. */
const PUBLIC_BECAUSE: Record<string, string> = {
  'GET /health': 'liveness probe, returns no data',
  'GET /openapi.json': 'the published API description, no data',
  'POST /v1/users': 'registration: the caller has no account yet; validated, SMS-verified afterwards',
  'POST /v1/sessions': 'sign-in: this is where the token comes from; Cognito checks the password',
  'POST /v1/webhooks/ekyc': 'called by the eKYC provider, authenticated by its HMAC signature (X-Ekyc-Signature) with a 300 s tolerance',
  'POST /v1/reports/not-me': 'called by bank account holders who have no wallet, authenticated by the signed single-use token from the bank notice',
};

/** Requests per second (steady) and burst of one route at the stage. */
export interface RouteThrottle {
  rateLimit: number;
  burstLimit: number;
}

/**
 * Each route gets its own bucket, sized to what it costs and who calls it, instead of one
 * shared default: routes that send SMS or create sign-ins get a trickle (the per-phone,
 * per-address and overall counters in the functions are the precise limits; this stops a
 * flood before it costs a Lambda), sign-in enough for a morning rush, webhooks what a
 * provider retries at, the rest the old 100 rps.
 */
export const ROUTE_THROTTLES: Record<string, RouteThrottle> = {
  'POST /v1/users': { rateLimit: 5, burstLimit: 10 },
  'POST /v1/me/phone/verification/resend': { rateLimit: 5, burstLimit: 10 },
  'POST /v1/sessions': { rateLimit: 50, burstLimit: 100 },
  'POST /v1/reports/not-me': { rateLimit: 5, burstLimit: 10 },
  'POST /v1/webhooks/ekyc': { rateLimit: 20, burstLimit: 40 },
  'POST /v1/webhooks/bank': { rateLimit: 20, burstLimit: 40 },
  'GET /health': { rateLimit: 10, burstLimit: 20 },
  'GET /openapi.json': { rateLimit: 5, burstLimit: 10 },
};
/** Ops routes: a team of people clicking. */
export const OPS_THROTTLE: RouteThrottle = { rateLimit: 20, burstLimit: 40 };
/** Every other (signed-in wallet user) route. */
export const USER_THROTTLE: RouteThrottle = { rateLimit: 100, burstLimit: 200 };
/** A route missing from the table above would get this: the smallest bucket, never a shared large one. */
export const DEFAULT_THROTTLE: RouteThrottle = { rateLimit: 5, burstLimit: 10 };

export function throttleOf(route: RouteDef): RouteThrottle {
  return ROUTE_THROTTLES[routeKey(route)] ?? (route.auth === 'ops' ? OPS_THROTTLE : route.auth === 'user' ? USER_THROTTLE : DEFAULT_THROTTLE);
}

/**
 * The HTTP API. It is created before the functions (they need its URL) and gets its
 * routes afterwards from the shared route table, so the cloud and the local gateway
 * expose the same routes with the same authorization.
 */
export class WalletApi extends Construct {
  readonly httpApi: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly accessLogs: logs.LogGroup;
  private readonly authorizer: HttpUserPoolAuthorizer;
  private readonly staffAuthorizer: HttpUserPoolAuthorizer;
  private readonly noAuth = new apigw.HttpNoneAuthorizer();

  constructor(scope: Construct, id: string, props: WalletApiProps) {
    super(scope, id);
    const { config } = props;
    // "*" already admits every origin, and API Gateway refuses "*" next to named origins.
    const origins = config.allowedOrigins.includes('*') ? ['*'] : [...config.allowedOrigins, ...(props.extraOrigins ?? [])];

    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      apiName: `AnshinWallet-${config.stage}`,
      description: 'Anshin Wallet API (v1)',
      // Our own $default stage below carries throttling and access logs.
      createDefaultStage: false,
      corsPreflight:
        origins.length === 0
          ? undefined
          : {
              allowOrigins: origins,
              allowMethods: [
                apigw.CorsHttpMethod.GET,
                apigw.CorsHttpMethod.POST,
                apigw.CorsHttpMethod.PUT,
                apigw.CorsHttpMethod.DELETE,
                apigw.CorsHttpMethod.OPTIONS,
              ],
              allowHeaders: CORS_HEADERS,
              maxAge: Duration.hours(1),
            },
    });

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: config.retainData ? logs.RetentionDays.ONE_YEAR : logs.RetentionDays.ONE_MONTH,
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      // Only a fallback: every route gets its own settings in addRoutes.
      throttle: { burstLimit: DEFAULT_THROTTLE.burstLimit, rateLimit: DEFAULT_THROTTLE.rateLimit },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        // HTTP API context variables; the caller is the token's sub, never a name or an email.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integrationLatency',
            responseLength: '$context.responseLength',
            sourceIp: '$context.identity.sourceIp',
            userAgent: '$context.identity.userAgent',
            sub: '$context.authorizer.claims.sub',
            authorizerError: '$context.authorizer.error',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });

    // 'user' routes take wallet users' tokens; 'ops' routes only the staff pool's (MFA-signed-in)
    // tokens, and the ops group is checked again in the Lambda.
    this.authorizer = new HttpUserPoolAuthorizer('CognitoAuthorizer', props.userPool, {
      userPoolClients: [props.client],
      identitySource: ['$request.header.Authorization'],
    });
    this.staffAuthorizer = new HttpUserPoolAuthorizer('StaffAuthorizer', props.staffPool, {
      userPoolClients: [props.staffClient],
      identitySource: ['$request.header.Authorization'],
    });
  }

  /** The base URL clients call (no trailing slash); PUBLIC_BASE_URL of the functions. */
  get url(): string {
    return this.httpApi.apiEndpoint;
  }

  /** One route per entry of the route table, each to the function the entry names. */
  addRoutes(routes: readonly RouteDef[], functions: Record<FunctionName, lambda.IFunction>): void {
    const integrations = new Map<FunctionName, HttpLambdaIntegration>();
    const integrationOf = (fn: FunctionName) => {
      let integration = integrations.get(fn);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${fn}Integration`, functions[fn]);
        integrations.set(fn, integration);
      }
      return integration;
    };
    const seen = new Set<string>();
    const stage = this.stage.node.defaultChild as apigw.CfnStage;
    // CfnStage.routeSettings is passed to CloudFormation as is, so its keys are CloudFormation's.
    const routeSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};
    for (const route of routes) {
      const key = routeKey(route);
      if (seen.has(key)) throw new Error(`Route ${key} appears twice in the route table`);
      seen.add(key);
      const [added] = this.httpApi.addRoutes({
        path: route.path,
        methods: [apigw.HttpMethod[route.method]],
        integration: integrationOf(route.fn),
        authorizer: route.auth === 'public' ? this.noAuth : route.auth === 'ops' ? this.staffAuthorizer : this.authorizer,
      });
      const throttle = throttleOf(route);
      routeSettings[key] = { ThrottlingRateLimit: throttle.rateLimit, ThrottlingBurstLimit: throttle.burstLimit };
      // Route settings name routes by key: the stage must come after them.
      stage.node.addDependency(added);
      if (route.auth === 'public') {
        acknowledge(added, 'AwsSolutions-APIG4', `Public by the API contract (DESIGN.md): ${PUBLIC_BECAUSE[key] ?? route.summary}`);
      }
    }
    stage.routeSettings = routeSettings;
  }
}
