import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import { logger } from './logger';

/**
 * Business metrics as CloudWatch embedded-metric-format log lines. The names and
 * dimensions here are what the CDK alarms and dashboard watch (lib/constructs/monitoring.ts).
 * Every metric also carries Powertools' `service` dimension (= anshin-wallet).
 */
export const METRICS_NAMESPACE = 'AnshinWallet';
export const SERVICE = 'anshin-wallet';

export const METRIC = {
  /** Count, dimension `outcome`: ALLOW / CHALLENGE / REVIEW / DENY. */
  chargeDecision: 'ChargeDecision',
  /** Count, dimension `status`: COMPLETED / DECLINED / CANCELLED / EXPIRED / FAILED. */
  chargeFinished: 'ChargeFinished',
  /** Count, dimension `bankCode`: failed bank authorizations and holder mismatches. */
  linkFailure: 'LinkFailure',
  /** Count, dimension `purpose`: wrong one-time codes (phone, link, charge). */
  codeFailure: 'CodeFailure',
  /** Seconds, no extra dimension: age of the oldest open review case, emitted by the sweeper. */
  oldestOpenReviewAge: 'OldestOpenReviewAgeSeconds',
  /** Yen paid back to victims. */
  compensationPaid: 'CompensationPaidYen',
  /** Count: debits reversed by the saga. */
  debitReversed: 'DebitReversed',
} as const;

/**
 * Powertools warns on every flush that finds no buffered metric; most invocations have none, and log
 * bytes are a cost the benchmark counts, so that one warning is dropped and the rest go to our logger.
 */
const quietWhenEmpty = {
  debug: (...a: unknown[]) => logger.debug(String(a[0]), ...a.slice(1).map((x) => ({ detail: x }))),
  info: (...a: unknown[]) => logger.info(String(a[0]), ...a.slice(1).map((x) => ({ detail: x }))),
  warn: (...a: unknown[]) => (String(a[0]).startsWith('No application metrics to publish') ? undefined : logger.warn(String(a[0]), ...a.slice(1).map((x) => ({ detail: x })))),
  error: (...a: unknown[]) => logger.error(String(a[0]), ...a.slice(1).map((x) => ({ detail: x }))),
};

/** Buffered metrics, flushed at the end of every invocation by Powertools' `logMetrics` in each function's middy chain. */
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE, logger: quietWhenEmpty });

/**
 * One metric with its own dimensions, written at once: Powertools' buffered metrics share one
 * dimension set per flush, and these carry a different `outcome` or `status` each time.
 */
export function emit(name: (typeof METRIC)[keyof typeof METRIC], value: number, unit: 'Count' | 'Seconds' | 'None' = 'Count', dimensions: Record<string, string> = {}): void {
  const metricUnit = unit === 'Count' ? MetricUnit.Count : unit === 'Seconds' ? MetricUnit.Seconds : MetricUnit.NoUnit;
  // Without dimensions of its own a metric joins the invocation's buffer, which logMetrics flushes.
  if (Object.keys(dimensions).length === 0) {
    metrics.addMetric(name, metricUnit, value);
    return;
  }
  const single = metrics.singleMetric();
  for (const [k, v] of Object.entries(dimensions)) single.addDimension(k, v);
  single.addMetric(name, metricUnit, value);
}
