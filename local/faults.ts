import type { Faults } from '../functions/app/ports';

/** Crash points a test can arm: the next N passes through a point throw, as if the process died there. */
export class LocalFaults implements Faults {
  readonly armed: Record<'afterDebit' | 'beforeCredit' | 'dynamoThrottles', number> = { afterDebit: 0, beforeCredit: 0, dynamoThrottles: 0 };
  /** Emails whose next sign-up dies after its Cognito user exists (by email, so parallel tests' sign-ups go on). */
  readonly signUpCrashes = new Set<string>();

  /** The next N DynamoDB request attempts fail as throttled; the SDK's own retries must absorb them. */
  dynamoAttempt(): void {
    if (this.armed.dynamoThrottles > 0) {
      this.armed.dynamoThrottles -= 1;
      throw Object.assign(new Error('simulated throttling'), { name: 'ThrottlingException', $retryable: { throttling: true }, $metadata: { httpStatusCode: 400 } });
    }
  }

  check(point: 'afterDebit' | 'beforeCredit'): void {
    if (this.armed[point] > 0) {
      this.armed[point] -= 1;
      throw Object.assign(new Error(`simulated crash at ${point}`), { name: 'SimulatedCrash' });
    }
  }

  checkSignUp(email: string): void {
    if (this.signUpCrashes.delete(email)) throw Object.assign(new Error('simulated crash after the sign-in was created'), { name: 'SimulatedCrash' });
  }
}
