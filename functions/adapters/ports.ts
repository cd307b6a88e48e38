/**
 * The ports handlers depend on. Each has a cloud adapter (the default) and a local
 * one that the local runtime installs with `usePorts` before serving requests.
 */
export interface SmsSender {
  send(to: string, body: string): Promise<void>;
}

export interface EkycProvider {
  /** Opens a verification session at the provider; the user finishes it at `redirectUrl`. */
  startSession(input: { reference: string; callbackUrl: string }): Promise<{ sessionId: string; redirectUrl: string }>;
}

export interface Tokens {
  accessToken: string;
  idToken: string;
  refreshToken: string;
  expiresIn: number;
}

export interface IdentityProvider {
  /** Creates a confirmed user with a permanent password; `EMAIL_TAKEN` if the email is in use. */
  createUser(email: string, password: string): Promise<{ userId: string }>;
  deleteUser(email: string): Promise<void>;
  signIn(email: string, password: string): Promise<Tokens>;
}

export interface Secrets {
  /** Key of the HMAC that stores one-time codes as hashes. */
  codeKey: string;
  ekycWebhookSecret: string;
  /** Key that signs not-me report tokens sent to bank account holders. */
  notMeTokenKey: string;
  /** API key for the eKYC provider's session API (cloud only). */
  ekycApiKey?: string;
}

export interface Clock {
  now(): number;
}

export interface Ports {
  sms: SmsSender;
  ekyc: EkycProvider;
  identity: IdentityProvider;
  secrets: () => Promise<Secrets>;
  clock: Clock;
}
