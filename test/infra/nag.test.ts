import { App, Stack, Validations, type PolicyViolation } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { STAGES } from '../../lib/config';
import { PROD_CONTEXT, synth } from './synth';

/**
 * cdk-nag's AWS Solutions pack over both stages: no error and no warning may be left
 * unacknowledged, and every acknowledgment sits on the resource it concerns with a
 * reason written next to it in lib/ (see lib/acknowledge.ts).
 *
 * cdk-nag v3 is a CDK policy-validation plugin, not an Aspect, and reports violations
 * instead of annotations; `validateScope` runs the same rules on the synthesized tree.
 * The rules read only the CloudFormation template, so this file synthesizes without
 * bundling the functions (wallet-stack.test.ts bundles and asserts on the same stacks).
 */
const describeViolations = (violations: PolicyViolation[]) =>
  violations.flatMap((v) => v.violatingResources.map((r) => `${v.severity} ${v.ruleName} at ${r.constructPath}: ${v.description}`));

/** Every acknowledgment in the tree: where it is, which rule, why. */
function acknowledgments(root: IConstruct): { path: string; rule: string; reason: string }[] {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      // CDK records the id with its namespace prefix ("Annotation::"), which cdk-nag strips when it looks one up.
      .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([rule, reason]) => ({ path: c.node.path, rule: rule.replace(/^annotation::/i, ''), reason }))),
  );
}

it('is not a rubber stamp: a bucket with default settings is reported', () => {
  const bucket = new s3.Bucket(new Stack(new App(), 'NagProbe'), 'Bucket');
  const report = new AwsSolutionsChecks().validateScope(bucket);
  expect(report.violations.map((v) => v.ruleName)).toEqual(expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10']));
});

describe.each(STAGES)('cdk-nag AwsSolutions, %s', (stage) => {
  // prod refuses to synthesize without its provider URLs and service secret (lib/config.ts).
  const providers: Record<string, string> = stage === 'prod' ? PROD_CONTEXT : {};
  const s = () => synth(stage, providers, { bundle: false });

  it('leaves no unacknowledged error or warning', () => {
    const report = new AwsSolutionsChecks().validateScope(s().stack);
    expect(describeViolations(report.violations)).toEqual([]);
    expect(report.success).toBe(true);
  });


  it('acknowledges each AwsSolutions rule on a resource (never the stack) with a specific reason', () => {
    // Other namespaces are aws-cdk-lib's own acknowledgments of its template checks.
    const acks = acknowledgments(s().stack).filter((a) => a.rule.startsWith('AwsSolutions-'));
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.rule).toMatch(/^AwsSolutions-[A-Z]+\d+(\[.+\])?$/);
      expect(ack.path).not.toBe(s().stack.node.path);
      expect(ack.reason.length).toBeGreaterThanOrEqual(60);
    }
  });
});
