import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';

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

const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE });

export function emit(name: (typeof METRIC)[keyof typeof METRIC], value: number, unit: 'Count' | 'Seconds' | 'None' = 'Count', dimensions: Record<string, string> = {}): void {
  const single = metrics.singleMetric();
  for (const [k, v] of Object.entries(dimensions)) single.addDimension(k, v);
  single.addMetric(name, unit === 'Count' ? MetricUnit.Count : unit === 'Seconds' ? MetricUnit.Seconds : MetricUnit.NoUnit, value);
}
