import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * A reviewed cdk-nag finding, acknowledged on the construct it concerns (and its children)
 * with the reason written next to it. cdk-nag v3 reads CDK's own acknowledgments
 * (`Validations.of(..).acknowledge`); its v2 `NagSuppressions` API no longer exists.
 */
export function acknowledge(scope: IConstruct, rule: string, reason: string): void {
  if (reason.trim().length < 20) throw new Error(`Acknowledging ${rule} on ${scope.node.path} needs a real reason`);
  Validations.of(scope).acknowledge({ id: rule, reason });
}

/**
 * The id cdk-nag gives a wildcard resource in an IAM policy (AwsSolutions-IAM5[Resource::...]),
 * so that exactly that resource is acknowledged and any other wildcard still fails.
 */
export function wildcardResourceRule(scope: IConstruct, resource: string): string {
  return `AwsSolutions-IAM5[Resource::${flatten(Stack.of(scope).resolve(resource))}]`;
}

/** The flattening cdk-nag applies to resolved values: `Ref` as `<Name>`, `Fn::GetAtt` as `<Id.Attr>`, joins concatenated. */
function flatten(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (typeof value === 'object' && value !== null) {
    const v = value as Record<string, unknown>;
    if (Array.isArray(v['Fn::Join'])) {
      const [delimiter, items] = v['Fn::Join'] as [string, unknown[]];
      return items.map(flatten).join(delimiter);
    }
    if ('Fn::Sub' in v) return flatten(v['Fn::Sub']);
    if (Array.isArray(v['Fn::GetAtt'])) {
      const [resource, attribute] = v['Fn::GetAtt'] as [unknown, unknown];
      return `<${flatten(resource)}.${flatten(attribute)}>`;
    }
    if ('Fn::ImportValue' in v) return flatten(v['Fn::ImportValue']);
    if ('Ref' in v) return `<${flatten(v.Ref)}>`;
  }
  return JSON.stringify(value);
}
