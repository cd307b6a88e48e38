import { Stack } from 'aws-cdk-lib';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledge } from '../acknowledge';

export interface SmsSpendLimitProps {
  monthlySpendLimitUsd: number;
}

/**
 * The last stop against SMS pumping: SNS stops sending SMS for the rest of the month once
 * the account has spent this much. It is an account-wide SNS setting with no CloudFormation
 * resource, so a custom resource calls SetSMSAttributes on every deploy that changes it.
 * Deleting the stack leaves the limit in place (the safe side).
 */
export class SmsSpendLimit extends Construct {
  readonly resource: cr.AwsCustomResource;

  constructor(scope: Construct, id: string, props: SmsSpendLimitProps) {
    super(scope, id);
    const call: cr.AwsSdkCall = {
      service: 'SNS',
      action: 'SetSMSAttributes',
      parameters: { attributes: { MonthlySpendLimit: String(props.monthlySpendLimitUsd) } },
      physicalResourceId: cr.PhysicalResourceId.of('sns-sms-monthly-spend-limit'),
    };
    this.resource = new cr.AwsCustomResource(this, 'Resource', {
      onCreate: call,
      onUpdate: call,
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE }),
      installLatestAwsSdk: false,
    });
    acknowledge(
      this.resource,
      'AwsSolutions-IAM5[Resource::*]',
      'sns:SetSMSAttributes is an account-level SNS action with no resource type: IAM accepts only "*" for it',
    );
    // aws-cdk-lib's one provider function for every AwsCustomResource of the stack, built with these policies.
    const provider = Stack.of(this).node.tryFindChild(`AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`);
    if (provider) {
      acknowledge(
        provider,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        "AwsCustomResource's provider role as aws-cdk-lib builds it: the basic execution policy lets it write its deploy-time logs; it runs only during deploys",
      );
    }
  }
}
