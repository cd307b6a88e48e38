import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';

/**
 * Cognito pre-token-generation trigger (V2) of the staff pool: puts the member of staff's e-mail
 * into the access token. The API sees only access tokens, and Cognito's carry the sub and groups but
 * no e-mail, so without this every audit record in the cloud would name staff `ops:<sub>` (locally
 * the sign-in route records the e-mail; in the cloud staff sign in to Cognito directly). The pool's
 * e-mail is immutable and admin-set, so the claim cannot be chosen by the person it names; the
 * wallet users' pool has no such trigger, and ops routes accept only staff-pool tokens.
 */
export async function handler(event: PreTokenGenerationV2TriggerEvent): Promise<PreTokenGenerationV2TriggerEvent> {
  // A sign-in never fails for want of the claim: without an e-mail the token stays as Cognito made it.
  const email = event.request?.userAttributes?.email;
  if (email) {
    event.response = {
      claimsAndScopeOverrideDetails: { ...event.response?.claimsAndScopeOverrideDetails, accessTokenGeneration: { claimsToAddOrOverride: { email: email.toLowerCase() } } },
    };
  }
  return event;
}
