import type { IdentityProvider } from '../functions/app/ports';

/**
 * cognito-local writes its JSON files without atomicity, and concurrent writers can
 * corrupt them (seen as "Extra data" in the pool file after parallel sign-ups). Locally,
 * every call that may write (sign-up, sign-in stores refresh tokens) goes one at a time.
 * Cognito itself needs no such thing; the cloud uses the adapter directly.
 */
export function serializedIdentity(inner: IdentityProvider): IdentityProvider {
  let tail: Promise<unknown> = Promise.resolve();
  const queued = <T>(run: () => Promise<T>): Promise<T> => {
    const result = tail.then(run, run);
    tail = result.catch(() => undefined);
    return result;
  };
  return {
    createUser: (email, password) => queued(() => inner.createUser(email, password)),
    findUser: (email) => inner.findUser(email),
    deleteUser: (emailOrSub) => queued(() => inner.deleteUser(emailOrSub)),
    signIn: (email, password) => queued(() => inner.signIn(email, password)),
  };
}
