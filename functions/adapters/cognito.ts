import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { DomainError } from '../shared/errors';
import { traced } from '../shared/tracer';
import { watched } from './local-hooks';
import type { IdentityProvider, Tokens } from '../app/ports';

const nameOf = (e: unknown) => (e && typeof e === 'object' ? (e as { name?: string }).name : undefined);

/** Cognito holds every password; nothing of ours ever stores one. */
export class CognitoIdentity implements IdentityProvider {
  private readonly client = traced(watched(new CognitoIdentityProviderClient({})));
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
      await this.deleteUser(sub);
      if (nameOf(e) === 'InvalidPasswordException' || nameOf(e) === 'InvalidParameterException') {
        throw new DomainError('VALIDATION_ERROR', 'The password does not meet the policy', {
          issues: [{ in: 'body', path: 'password', message: 'does not meet the password policy' }],
        });
      }
      throw e;
    }
    return { userId: sub };
  }

  async findUser(email: string): Promise<{ userId: string; groups: string[] } | undefined> {
    try {
      const user = await this.client.send(new AdminGetUserCommand({ UserPoolId: this.userPoolId, Username: email }));
      const sub = user.UserAttributes?.find((a) => a.Name === 'sub')?.Value;
      if (!sub) throw new Error('Cognito returned a user without a sub');
      const groups = await this.client.send(new AdminListGroupsForUserCommand({ UserPoolId: this.userPoolId, Username: email, Limit: 60 }));
      return { userId: sub, groups: (groups.Groups ?? []).map((g) => g.GroupName ?? '') };
    } catch (e) {
      if (nameOf(e) === 'UserNotFoundException') return undefined;
      throw e;
    }
  }

  async deleteUser(emailOrSub: string): Promise<void> {
    try {
      await this.client.send(new AdminDeleteUserCommand({ UserPoolId: this.userPoolId, Username: emailOrSub }));
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
