import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { logger } from './logger';
import { metrics } from './metrics';
import { tracer } from './tracer';

/**
 * First in every function's middy chain, as Powertools' examples wire it: every log line names the
 * invocation (cold_start, function_name, function_request_id), buffered metrics and the ColdStart
 * metric are flushed when the invocation ends (errors included), and the handler is a traced
 * subsegment. Responses are not put in the trace: they hold tokens and personal data.
 */
export const powertools = () => [
  injectLambdaContext(logger, { resetKeys: true }),
  logMetrics(metrics, { captureColdStartMetric: true }),
  captureLambdaHandler(tracer, { captureResponse: false }),
];
