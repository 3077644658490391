/** Exponential backoff with a cap and optional jitter; `attempt` counts from 1. */
export interface BackoffPolicy {
  initialMs: number;
  factor: number;
  maxMs: number;
  /** Fraction of random spread added on top, e.g. 0.2 = up to +20 %. */
  jitter?: number;
  /**
   * Attempts that wait `initialMs` before the delay starts to grow (default 1). JOSDK's
   * GenericRetry, which FKO's `retry.*` options configure, waits the initial interval twice.
   */
  initialAttempts?: number;
}

/** The longest delay a timer can wait (setTimeout fires at once beyond it): about 24.8 days. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export function backoffDelay(policy: BackoffPolicy, attempt: number, random = Math.random): number {
  const growth = Math.max(0, attempt - Math.max(1, policy.initialAttempts ?? 1));
  const raw = policy.initialMs * Math.pow(policy.factor, growth);
  const capped = Math.min(policy.maxMs, raw);
  const spread = policy.jitter ? capped * policy.jitter * random() : 0;
  return Math.round(Math.min(policy.maxMs, MAX_TIMER_MS, capped + spread));
}

/** A stateful backoff for one loop (e.g. one watch), reset after a healthy period. */
export class Backoff {
  #attempt = 0;
  constructor(private readonly policy: BackoffPolicy) {}

  next(): number {
    this.#attempt++;
    return backoffDelay(this.policy, this.#attempt);
  }

  reset(): void {
    this.#attempt = 0;
  }

  get attempt(): number {
    return this.#attempt;
  }
}

/** Watch reconnects: 0.8 s doubling to 30 s with jitter, like kube-runtime's default. */
export const WATCH_BACKOFF: BackoffPolicy = {
  initialMs: 800,
  factor: 2,
  maxMs: 30_000,
  jitter: 0.2,
};

/** Sleeps, resolving early (without throwing) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
