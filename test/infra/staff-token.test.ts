/**
 * Staff by e-mail in the cloud: the staff pool's pre-token-generation trigger (V2) puts the e-mail
 * into the access token, which is all the API sees; the wallet users' pool has no trigger at all.
 */
import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { handler } from '../../functions/triggers/staff-token';
import { synth } from './synth';

describe('the staff pool token trigger', () => {
  const dev = synth('dev', {}, { bundle: false });
  const idOf = (c: unknown) => dev.stack.getLogicalId((c as { node: { defaultChild: never } }).node.defaultChild);

  it('runs on the staff pool only, as a V2 trigger (access-token claims), on a pool tier that allows it', () => {
    const pools = dev.template.findResources('AWS::Cognito::UserPool');
    const staff = pools[idOf(dev.stack.identity.staffPool)].Properties;
    expect(staff.LambdaConfig).toEqual({
      PreTokenGenerationConfig: { LambdaArn: { 'Fn::GetAtt': [idOf(dev.stack.functions.staffToken.lambda), 'Arn'] }, LambdaVersion: 'V2_0' },
    });
    expect(staff.UserPoolTier ?? 'ESSENTIALS').not.toBe('LITE'); // V2 access-token customization needs Essentials or Plus
    expect(pools[idOf(dev.stack.identity.userPool)].Properties.LambdaConfig).toBeUndefined();
    // Cognito may invoke it, for the staff pool and nothing else.
    dev.template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'cognito-idp.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [idOf(dev.stack.functions.staffToken.lambda), 'Arn'] },
      SourceArn: { 'Fn::GetAtt': [idOf(dev.stack.identity.staffPool), 'Arn'] },
    });
  });

  it('adds the e-mail (lower case) to the access token and changes nothing else', async () => {
    const event = {
      version: '2', triggerSource: 'TokenGeneration_Authentication', region: 'ap-northeast-1', userPoolId: 'p', userName: 'sub-1',
      callerContext: { awsSdkVersion: 'x', clientId: 'c' },
      request: { userAttributes: { sub: 'sub-1', email: 'Night.Shift@Anshin.example' }, groupConfiguration: { groupsToOverride: ['ops'] }, scopes: [] },
      response: { claimsAndScopeOverrideDetails: null },
    } as unknown as PreTokenGenerationV2TriggerEvent;
    const out = await handler(event);
    expect(out.response.claimsAndScopeOverrideDetails).toEqual({ accessTokenGeneration: { claimsToAddOrOverride: { email: 'night.shift@anshin.example' } } });
    expect(out.request).toEqual(event.request);
  });
});
