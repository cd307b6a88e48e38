import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { sweep } from '../app/charge-sweep';
import { withCorrelationId } from '../shared/correlation';
import { powertools } from '../shared/powertools';

export { sweep, type SweepReport } from '../app/charge-sweep';

// Executions a sweep resumes carry the sweep's own request id as their correlation id.
export const handler = middy(async (_event: unknown, context: Context) => withCorrelationId(context.awsRequestId, () => sweep())).use(powertools());
