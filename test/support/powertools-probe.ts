import middy from '@middy/core';
import { emit, METRIC } from '../../functions/shared/metrics';
import { powertools } from '../../functions/shared/powertools';
import { logger } from '../../functions/shared/logger';

/** A function with the project's Powertools chain that emits one buffered metric: for test/unit/powertools.test.ts. */
export const handler = middy(async () => {
  emit(METRIC.debitReversed, 1);
  logger.info('probe emitted');
  return { ok: true };
}).use(powertools());
