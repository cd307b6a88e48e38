import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { DomainError } from '../shared/errors';
import { watched } from './local-hooks';
import type { IdentityProvider, Tokens } from './ports';

const nameOf = (e: unknown) => (e && typeof e === 'object' ? (e as { name?: string }).name : undefined);

/** Cognito holds every password; nothing of ours ever stores one. */
export class CognitoIdentity implements IdentityProvider {
  private readonly client = watched(new CognitoIdentityProviderClient({}));
  constructor(private readonly userPoolId: string, private readonly clientId: string) {}

  async createUser(email: string, password: string): Promise<{ userId: string }> {
    let sub: string | undefined;
    try {
      const created = await this.client.send(
        new AdminCreateUserCommand({
          UserPoolId: this.userPoolId,
          Username: email,
          MessageAction: 'SUPPRESS',
          UserAttributes: [
            { Name: 'email', Value: email },
            { Name: 'email_verified', Value: 'true' },
          ],
        }),
      );
      sub = created.User?.Attributes?.find((a) => a.Name === 'sub')?.Value;
    } catch (e) {
      if (nameOf(e) === 'UsernameExistsException') throw new DomainError('EMAIL_TAKEN', 'An account with this email already exists');
      throw e;
    }
    if (!sub) throw new Error('Cognito returned no sub for the new user');
    try {
      await this.client.send(
        new AdminSetUserPasswordCommand({ UserPoolId: this.userPoolId, Username: email, Password: password, Permanent: true }),
      );
    } catch (e) {
      await this.deleteUser(email);
      if (nameOf(e) === 'InvalidPasswordException' || nameOf(e) === 'InvalidParameterException') {
        throw new DomainError('VALIDATION_ERROR', 'The password does not meet the policy', {
          issues: [{ in: 'body', path: 'password', message: 'does not meet the password policy' }],
        });
      }
      throw e;
    }
    return { userId: sub };
  }

  async deleteUser(email: string): Promise<void> {
    try {
      await this.client.send(new AdminDeleteUserCommand({ UserPoolId: this.userPoolId, Username: email }));
    } catch (e) {
      if (nameOf(e) !== 'UserNotFoundException') throw e;
    }
  }

  async signIn(email: string, password: string): Promise<Tokens> {
    try {
      const out = await this.client.send(
        new InitiateAuthCommand({
          ClientId: this.clientId,
          AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME: email, PASSWORD: password },
        }),
      );
      const r = out.AuthenticationResult;
      if (!r?.AccessToken || !r.IdToken || !r.RefreshToken) throw new DomainError('INVALID_CREDENTIALS', 'Wrong email or password');
      return { accessToken: r.AccessToken, idToken: r.IdToken, refreshToken: r.RefreshToken, expiresIn: r.ExpiresIn ?? 3600 };
    } catch (e) {
      // cognito-local answers a wrong password with InvalidPasswordException; Cognito with NotAuthorizedException.
      const name = nameOf(e);
      if (name === 'NotAuthorizedException' || name === 'UserNotFoundException' || name === 'InvalidPasswordException' || name === 'UserNotConfirmedException') {
        throw new DomainError('INVALID_CREDENTIALS', 'Wrong email or password');
      }
      throw e;
    }
  }
}
