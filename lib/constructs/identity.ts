import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { acknowledge } from '../acknowledge';

export interface IdentityProps {
  retainData: boolean;
}

/** The operations group: membership shows up as `cognito:groups` in the access token and is checked in the ops Lambdas. */
export const OPS_GROUP = 'ops';

/**
 * Cognito holds every password; the registration Lambda creates users, so nobody signs up directly.
 *
 * Staff live in a pool of their own, never in the wallet users' pool: nothing the public API
 * can do (registration has admin rights on the users' pool only) reaches a staff sign-in,
 * and the staff pool requires a TOTP authenticator app at every sign-in. The ops routes
 * accept only the staff pool's tokens (lib/constructs/api.ts).
 */
export class Identity extends Construct {
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;
  readonly staffPool: cognito.UserPool;
  readonly staffClient: cognito.UserPoolClient;

  constructor(scope: Construct, id: string, props: IdentityProps) {
    super(scope, id);
    this.userPool = new cognito.UserPool(this, 'UserPool', {
      // Registration goes through POST /v1/users (AdminCreateUser + AdminSetUserPassword) so the phone
      // and terms checks cannot be skipped by calling Cognito's SignUp directly.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      standardAttributes: { email: { required: true, mutable: true } },
      passwordPolicy: { minLength: 8, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      deletionProtection: props.retainData,
      removalPolicy: props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    acknowledge(
      this.userPool,
      'AwsSolutions-COG1',
      'No symbol required: the API validates passwords against exactly this policy before Cognito sees them (functions/shared/schemas.ts Password) and the local pool mirrors it; a stricter cloud-only rule would turn requests the API accepted into Cognito errors. Money never moves on a password alone (SMS codes, eKYC, bank authorization)',
    );
    acknowledge(
      this.userPool,
      'AwsSolutions-COG2',
      'No Cognito MFA at sign-in: every step that moves money or links a bank already requires a one-time SMS code to the verified phone (and eKYC, and the bank\'s own authorization), which is the second factor where it matters; sign-in alone only reads the wallet',
    );
    acknowledge(
      this.userPool,
      'AwsSolutions-COG8',
      'Essentials tier, no Cognito threat protection (Plus tier): credential-stuffing and new-device risk are handled by the risk engine (device ids, velocity, review) and API throttling; Plus would add per-MAU cost and has no local emulator to test against. Revisit with real sign-in abuse data',
    );

    this.client = this.userPool.addClient('AppClient', {
      // Public clients (mobile, browser) cannot keep a secret.
      generateSecret: false,
      authFlows: { userPassword: true },
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      // Sign-in must not reveal whether an email is registered.
      preventUserExistenceErrors: true,
      // No hosted UI or OAuth flows: the API signs users in (POST /v1/sessions). CDK's default would
      // enable the implicit grant with an example.com callback.
      disableOAuth: true,
      // Users may not change their own attributes with their access token: the e-mail is the sign-in
      // name and must stay the one our records hold, so no attribute is writable by the client.
      writeAttributes: new cognito.ClientAttributes(),
    });

    this.staffPool = new cognito.UserPool(this, 'StaffPool', {
      // Staff accounts are made by an administrator (admin-create-user), never by sign-up.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      standardAttributes: { email: { required: true, mutable: false } },
      mfa: cognito.Mfa.REQUIRED,
      // An authenticator app, not SMS: a SIM swap must not hand over a staff sign-in.
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: { minLength: 14, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true, tempPasswordValidity: Duration.days(1) },
      // A lost password or authenticator is reset by an administrator, not by email.
      accountRecovery: cognito.AccountRecovery.NONE,
      deletionProtection: props.retainData,
      removalPolicy: props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    acknowledge(
      this.staffPool,
      'AwsSolutions-COG8',
      'Essentials tier for the staff pool too: a handful of administrator-made accounts, each with a required TOTP second factor; Plus (threat protection) adds per-MAU cost for little over MFA here',
    );

    this.staffClient = this.staffPool.addClient('StaffConsoleClient', {
      // The ops console is a static page: a public client, no secret.
      generateSecret: false,
      // USER_PASSWORD_AUTH from the console over TLS, answered by a TOTP challenge (SOFTWARE_TOKEN_MFA).
      authFlows: { userPassword: true },
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      // A shift, not a month: a stolen refresh token of an operator is worth more than a user's.
      refreshTokenValidity: Duration.hours(12),
      preventUserExistenceErrors: true,
    });

    new cognito.CfnUserPoolGroup(this, 'OpsGroup', {
      userPoolId: this.staffPool.userPoolId,
      groupName: OPS_GROUP,
      description: 'Operations staff: reviews, freezes, bank switches, compensation',
    });
  }
}
