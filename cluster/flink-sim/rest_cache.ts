import type { FlinkConfig } from "./flink_config.ts";

/**
 * Flink answers some job views from caches, so after a change they show the old state for a few
 * seconds (measured on 1.20.5 and 2.2.1):
 *
 * - the execution graph — `/jobs/:id`, its exceptions, config and accumulators — for
 *   `web.refresh-interval` (3 s) after it was fetched: a job cancelled a second later still shows
 *   RUNNING there while `/jobs/:id/status` and `/jobs/overview` say CANCELED;
 * - checkpoint statistics — `/jobs/:id/checkpoints` and `/checkpoints/details/:id` — for
 *   `rest.cache.checkpoint-statistics.timeout` (default: the refresh interval): a checkpoint that
 *   completed after the last fetch is missing there, and its details answer 404.
 *
 * One entry per job and cache, computed on the first request after the previous one expired.
 */
export class JobViewCache<T> {
  readonly #entries = new Map<string, { at: number; value: T }>();

  constructor(readonly ttlMs: number) {}

  get(jobId: string, compute: () => T, now = Date.now()): T {
    const entry = this.#entries.get(jobId);
    if (entry && now - entry.at < this.ttlMs) return entry.value;
    const value = compute();
    this.#entries.set(jobId, { at: now, value });
    return value;
  }
}

const DEFAULT_REFRESH_INTERVAL_MS = 3000;

/** `web.refresh-interval` in ms (a duration; a bare number is ms). */
export function refreshIntervalMsOf(config: FlinkConfig): number {
  return config.getDurationMs(["web.refresh-interval"]) ?? DEFAULT_REFRESH_INTERVAL_MS;
}

/** `rest.cache.checkpoint-statistics.timeout`, defaulting to the refresh interval. */
export function checkpointStatsCacheMsOf(config: FlinkConfig): number {
  return config.getDurationMs(["rest.cache.checkpoint-statistics.timeout"]) ??
    refreshIntervalMsOf(config);
}
