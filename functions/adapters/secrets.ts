import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Secrets } from './ports';

let cached: Promise<Secrets> | undefined;

/** Read once per cold start from Secrets Manager; a failed read is retried on the next call. */
export function secretsFromSecretsManager(arn: string): () => Promise<Secrets> {
  return () => {
    cached ??= (async () => {
      const out = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: arn }));
      const parsed = JSON.parse(out.SecretString ?? '{}') as Partial<Secrets>;
      if (!parsed.codeKey || !parsed.ekycWebhookSecret || !parsed.notMeTokenKey) {
        throw new Error('The service secret lacks codeKey, ekycWebhookSecret or notMeTokenKey');
      }
      return parsed as Secrets;
    })().catch((e) => {
      cached = undefined;
      throw e;
    });
    return cached;
  };
}
