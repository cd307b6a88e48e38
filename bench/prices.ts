/**
 * Public list prices used by `npm run bench` to cost a million charges.
 *
 * Region: Asia Pacific (Tokyo), ap-northeast-1; on-demand; USD; no free tier, no savings
 * plans, first pricing tier. These are list prices as published on the AWS pricing pages
 * named below; prices change, so check them before quoting a cost.
 */
export const PRICES = {
  region: 'ap-northeast-1 (Tokyo)',
  /** https://aws.amazon.com/dynamodb/pricing/on-demand/ : write request units, per million (after the Nov 2024 on-demand price cut). */
  dynamoDbWriteRequestUnitPerMillion: 0.715,
  /** Same page: read request units, per million (one per strongly consistent read of up to 4 KB, half for eventually consistent). */
  dynamoDbReadRequestUnitPerMillion: 0.1425,
  /** https://aws.amazon.com/step-functions/pricing/ : Standard workflows, per 1,000 state transitions (Tokyo row). */
  stepFunctionsStandardPerThousandTransitions: 0.025,
  /** https://aws.amazon.com/lambda/pricing/ : requests, per million. */
  lambdaRequestsPerMillion: 0.2,
  /** Same page: Arm (Graviton) duration, per GB-second, first tier. */
  lambdaArmPerGbSecond: 0.0000133334,
  /** https://aws.amazon.com/api-gateway/pricing/ : HTTP APIs, per million requests, first 300 million (Tokyo). */
  apiGatewayHttpPerMillion: 1.29,
  /**
   * ASSUMPTION, TO CHECK: https://aws.amazon.com/sns/sms-pricing/ (End User Messaging SMS pricing
   * by country), Japan, transactional, about USD 0.0745 per outbound message part (segment) as
   * remembered, not re-read for this change (no network to the page here). Japan's rate varies by
   * carrier and origination identity; one Japanese text of up to 70 UTF-16 units is one segment.
   */
  snsSmsJapanPerSegment: 0.0745,
  checkedNote: 'List prices for ap-northeast-1 as published on the AWS pricing pages; to be checked before use. The SMS price per segment to Japan is an assumption (see bench/prices.ts). CloudWatch Logs, X-Ray, KMS, Cognito and data transfer are not included.',
} as const;
