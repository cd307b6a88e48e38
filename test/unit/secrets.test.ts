import { PLACEHOLDER, secretsFrom } from '../../functions/adapters/secrets';

describe('the service secret as a fresh deploy leaves it', () => {
  const fresh = { masterKey: 'generated-master-key-of-64-characters-0123456789abcdef0123456789', ekycWebhookSecret: PLACEHOLDER, ekycApiKey: PLACEHOLDER, bankApiKey: PLACEHOLDER };

  it('gives every function its derived keys at once, so sign-up works before any hand edit', () => {
    const s = secretsFrom(fresh);
    expect(s.codeKey).toMatch(/^[0-9a-f]{64}$/);
    expect(s.notMeTokenKey).not.toBe(s.codeKey);
  });

  it('never verifies a webhook with the placeholder (or a short secret), and never hands out placeholder API keys', () => {
    expect(secretsFrom(fresh)).toMatchObject({ ekycWebhookSecret: undefined, ekycApiKey: undefined, bankApiKey: undefined });
    expect(secretsFrom({ ...fresh, ekycWebhookSecret: 'too-short' }).ekycWebhookSecret).toBeUndefined();
    expect(secretsFrom({ ...fresh, ekycWebhookSecret: 'the-providers-secret-123' }).ekycWebhookSecret).toBe('the-providers-secret-123');
  });

  it('refuses a secret without the master key', () => {
    expect(() => secretsFrom({ ekycWebhookSecret: 'the-providers-secret-123' })).toThrow(/masterKey/);
  });
});
