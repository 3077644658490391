/**
 * A per-key limit on how often a key is processed, as JOSDK's LinearRateLimiter: at most `limit`
 * passes in a window of `periodMs` that opens with the first pass after the previous window
 * ended. A pass over the limit is not dropped; the queue runs it when the window ends.
 */
export interface RateLimit {
  /** Passes allowed per window and key; 0 or less disables the limit. */
  readonly limit: number;
  readonly periodMs: number;
}

/** A rate-limited pass waits at least this long, so a timer never spins. */
const MIN_WAIT_MS = 50;

export class RateLimiter {
  readonly #windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly rate: RateLimit,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.rate.limit > 0 && this.rate.periodMs > 0;
  }

  /**
   * Asks to process `key` now: 0 means go (and counts the pass), anything else is how many ms
   * to wait before asking again.
   */
  acquire(key: string): number {
    if (!this.enabled) return 0;
    const now = this.now();
    let window = this.#windows.get(key);
    if (window === undefined || now - window.start >= this.rate.periodMs) {
      window = { start: now, count: 0 };
      this.#windows.set(key, window);
    }
    if (window.count < this.rate.limit) {
      window.count++;
      return 0;
    }
    return Math.max(MIN_WAIT_MS, window.start + this.rate.periodMs - now);
  }

  /** Drops what is known about a key (its object is gone). */
  forget(key: string): void {
    this.#windows.delete(key);
  }
}
