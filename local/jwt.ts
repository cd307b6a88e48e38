import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';

export type Claims = Record<string, string>;

/**
 * Verifies a bearer token the way the cloud's HTTP API JWT authorizer does:
 * RS256 signature against the pool's JWKS, issuer, expiry, and the audience
 * (`aud` of an ID token or `client_id` of an access token) against the app clients.
 * Claims come out flattened to strings, as API Gateway passes them to Lambda.
 */
export function createJwtVerifier(issuer: string, clientIds: string[]) {
  const jwks = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`), { cooldownDuration: 1000 });
  return async (authorization: string | undefined): Promise<Claims | undefined> => {
    if (!authorization) return undefined;
    const token = authorization.replace(/^Bearer\s+/i, '').trim();
    if (!token) return undefined;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks, { issuer, algorithms: ['RS256'], clockTolerance: 0 }));
    } catch {
      return undefined;
    }
    const audience = payload.token_use === 'access' ? payload.client_id : payload.token_use === 'id' ? payload.aud : undefined;
    const audiences = Array.isArray(audience) ? audience : [audience];
    if (!audiences.some((a) => typeof a === 'string' && clientIds.includes(a))) return undefined;
    return flattenClaims(payload);
  };
}

function flattenClaims(payload: JWTPayload): Claims {
  const out: Claims = {};
  for (const [k, v] of Object.entries(payload)) {
    if (v === undefined || v === null) continue;
    out[k] = Array.isArray(v) ? `[${v.join(' ')}]` : typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  return out;
}
