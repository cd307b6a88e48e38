import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Template } from 'aws-cdk-lib/assertions';
import { FUNCTIONS, type FunctionName } from '../functions/shared/catalog';
import { chargeWorkflowDefinition, type WorkflowTasks } from '../lib/constructs/charge-definition';

export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'ap-northeast-1';
export const localFunctionArn = (name: FunctionName) => `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:anshin-local-${name}`;
export const functionNameOfArn = (arn: string): FunctionName | undefined => {
  const name = /function:anshin-local-(\w+)$/.exec(arn)?.[1];
  return name && name in FUNCTIONS ? (name as FunctionName) : undefined;
};

type CfnValue = string | { Ref?: string; 'Fn::Join'?: [string, CfnValue[]] };

/** Resolves the few intrinsics CDK leaves in a definition (partition, region, account). */
function resolve(value: CfnValue): string {
  if (typeof value === 'string') return value;
  if (value.Ref) {
    const pseudo: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::Region': LOCAL_REGION, 'AWS::AccountId': LOCAL_ACCOUNT, 'AWS::URLSuffix': 'amazonaws.com' };
    if (!(value.Ref in pseudo)) throw new Error(`cannot resolve Ref ${value.Ref} locally`);
    return pseudo[value.Ref];
  }
  if (value['Fn::Join']) return value['Fn::Join'][1].map(resolve).join(value['Fn::Join'][0]);
  throw new Error(`cannot resolve ${JSON.stringify(value)} locally`);
}

/**
 * The charge workflow's ASL exactly as CDK synthesizes it for the cloud stack, with
 * the task functions pointing at local ARNs. One definition, two runtimes.
 */
export function synthesizeChargeDefinition(): Record<string, unknown> {
  const app = new App();
  const stack = new Stack(app, 'LocalWorkflow', { env: { account: LOCAL_ACCOUNT, region: LOCAL_REGION } });
  const fns = {} as WorkflowTasks;
  for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
    fns[name] = lambda.Function.fromFunctionArn(stack, `Fn${name}`, localFunctionArn(name));
  }
  new sfn.StateMachine(stack, 'Charge', { definitionBody: sfn.DefinitionBody.fromChainable(chargeWorkflowDefinition(stack, fns)), stateMachineType: sfn.StateMachineType.STANDARD });
  const machines = Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine');
  const [machine] = Object.values(machines) as { Properties: { DefinitionString: CfnValue } }[];
  return JSON.parse(resolve(machine.Properties.DefinitionString)) as Record<string, unknown>;
}
