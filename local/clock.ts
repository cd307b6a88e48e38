import type { Clock } from '../functions/app/ports';

/**
 * Real time plus an offset that tests may move forward (`POST /local/clock`),
 * so expiries measured in minutes or days can be tested without waiting.
 * Only domain logic reads it; token expiry and timers keep real time.
 */
export class LocalClock implements Clock {
  private offsetMs = 0;
  now(): number {
    return Date.now() + this.offsetMs;
  }
  advance(seconds: number): number {
    this.offsetMs += seconds * 1000;
    return this.offsetMs;
  }
}
