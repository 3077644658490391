import { backoffDelay } from "../../lib/runtime/backoff.ts";

/** Delay before retry number `attempt` (0-based): base, 2×base, 4×base, … capped at max. */
export function exponentialDelay(attempt: number, baseMs: number, maxMs: number): number {
  return backoffDelay({ initialMs: baseMs, factor: 2, maxMs }, attempt + 1);
}

/** Spreads retries of many clients (±20 %) so reconnects after an API server restart don't align. */
export function withJitter(ms: number, random: () => number = Math.random): number {
  return Math.round(ms * (0.8 + 0.4 * random()));
}

export interface CrashBackoffOptions {
  /** kubelet: 10 s. */
  baseMs: number;
  /** kubelet: 5 min. */
  maxMs: number;
}

/**
 * Restart delays of one container, as kubelet computes them: the first restart after a crash is
 * immediate, the next waits base, then 2×base, … up to max. A container that ran for at least
 * 2×max before exiting starts over (kubelet forgets back-off entries idle that long).
 */
export class CrashBackoff {
  #failures = 0;

  constructor(private readonly opts: CrashBackoffOptions) {}

  /** Records an exit after `ranForMs` of running and returns how long to wait before restarting. */
  next(ranForMs: number): number {
    if (ranForMs >= 2 * this.opts.maxMs) this.#failures = 0;
    const delay = this.#failures === 0
      ? 0
      : exponentialDelay(this.#failures - 1, this.opts.baseMs, this.opts.maxMs);
    this.#failures++;
    return delay;
  }

  reset(): void {
    this.#failures = 0;
  }
}
