import { Tracer } from '@aws-lambda-powertools/tracer';
import { SERVICE } from './metrics';

/**
 * X-Ray through Powertools: the functions run with tracing ACTIVE (lib/constructs/function.ts), and
 * every AWS SDK client is wrapped with `traced` so each DynamoDB, SNS, Step Functions, Secrets
 * Manager and Cognito call is a subsegment of the invocation's trace. Outside Lambda (the local
 * stack, tests) Powertools turns itself off and `traced` hands the client back unchanged.
 */
export const tracer = new Tracer({ serviceName: SERVICE });

export const traced = <T>(client: T): T => tracer.captureAWSv3Client(client);
