/**
 * Personal data and secrets never reach the logs: values under these keys are
 * replaced, whatever their depth. Matching is by key name, case-insensitive.
 */
const SENSITIVE = new Set(
  [
    'password', 'phoneNumber', 'phone', 'to', 'code', 'otp', 'pin', 'token', 'accessToken',
    'idToken', 'refreshToken', 'authorization', 'authorizationCode', 'fullName',
    'fullNameKana', 'dateOfBirth', 'holderNameKana', 'accountNumber', 'identity', 'secret',
    'x-ekyc-signature', 'body', 'email', 'codeHash',
  ].map((k) => k.toLowerCase()),
);

export function redact(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  // Deeper than anything we log on purpose: cut rather than risk an unredacted secret.
  if (depth > 8) return '[TRUNCATED]';
  if (value instanceof Error) {
    // Name, message and stack are not enumerable; an error's `code` (ECONNREFUSED) is not a one-time code.
    const code = (value as { code?: unknown }).code;
    return {
      name: value.name,
      message: value.message,
      stack: value.stack,
      ...(typeof code === 'string' && !/^\d+$/.test(code) ? { code } : {}),
      ...((redact({ ...value }, depth + 1) as object) ?? {}),
    };
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = SENSITIVE.has(k.toLowerCase()) ? '[REDACTED]' : redact(v, depth + 1);
  }
  return out;
}

/** Shows only the last digits of a phone or account number to its owner. */
export function maskTail(value: string, visible = 4): string {
  if (value.length <= visible) return '*'.repeat(value.length);
  const head = value.startsWith('+') ? '+' : '';
  return head + '*'.repeat(value.length - visible - head.length) + value.slice(-visible);
}
