import { CfnOutput, RemovalPolicy } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { StoredSecret } from '../../functions/adapters/secrets';
import { acknowledge } from '../acknowledge';

export interface ServiceSecretsProps {
  retainData: boolean;
}

/** Values the deployer sets by hand after the first deploy; CDK only generates the master key. */
const SET_BY_DEPLOYER = { ekycWebhookSecret: 'set-me', ekycApiKey: 'set-me', bankApiKey: 'set-me', bankWebhookSecret: 'set-me' } satisfies Required<Omit<StoredSecret, 'masterKey'>>;
const GENERATED: keyof StoredSecret = 'masterKey';

/**
 * One secret with the JSON that functions/adapters/secrets.ts reads. The functions derive
 * a key per purpose from `masterKey`, so there is only one generated value to rotate.
 */
export class ServiceSecrets extends Construct {
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: ServiceSecretsProps) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, 'ServiceSecrets', {
      description: 'Anshin Wallet: masterKey (generated); the eKYC webhook secret and API key and the bank gateway API key (set by the deployer)',
      generateSecretString: {
        secretStringTemplate: JSON.stringify(SET_BY_DEPLOYER),
        generateStringKey: GENERATED,
        excludePunctuation: true,
        passwordLength: 64,
      },
      // Losing the master key would make every stored code hash and not-me token unverifiable.
      removalPolicy: props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    acknowledge(
      this.secret,
      'AwsSolutions-SMG4',
      'No automatic rotation: masterKey derives the keys of stored code hashes and of not-me tokens already in bank holders\' hands, so rotating it is a planned migration, not a schedule; the provider keys are issued by the eKYC provider and the banks and are rotated with them, by hand',
    );

    new CfnOutput(scope, 'ServiceSecretsArn', {
      value: this.secret.secretArn,
      description:
        'Service secret. After the first deploy, set "ekycWebhookSecret" and "ekycApiKey" to the values from the eKYC provider and ' +
        '"bankApiKey" to the bank gateway key (keep "masterKey" as generated): aws secretsmanager put-secret-value --secret-id <this ARN> ' +
        "--secret-string '{\"masterKey\":\"<current>\",\"ekycWebhookSecret\":\"...\",\"ekycApiKey\":\"...\",\"bankApiKey\":\"...\"}'",
    });
  }
}
