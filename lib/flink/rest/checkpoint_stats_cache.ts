/**
 * Flink's REST API answers `GET /jobs/:id/checkpoints` and `/jobs/:id/checkpoints/details/:cid`
 * from a cache (Flink's AbstractCheckpointStatsHandler): the statistics are computed on the first
 * request and served unchanged for `rest.cache.checkpoint-statistics.timeout` after it (default:
 * `web.refresh-interval`, 3 s). Anyone's request fills it — the Flink web UI refreshes it every
 * 3 s while it is open. So for up to that long, a checkpoint that completed after the last fill is
 * missing (its details answer 404), and a job that just ended still shows the checkpoints it had
 * before.
 *
 * The way to read statistics that include everything up to a moment `since` (a checkpoint seen
 * completed, a job seen ended): ask once the timeout has passed since then. Whatever Flink serves
 * at that point was computed after `since`.
 */
import { parseDuration } from "../../config/duration.ts";
import type { FlatConfig } from "../../config/option.ts";
import { sleep } from "../../runtime/backoff.ts";
import type { CheckpointStats } from "./checkpoint_stats.ts";
import type { FlinkRestClient } from "./client.ts";

/** Flink's default `web.refresh-interval`, the default of the cache timeout. */
export const DEFAULT_CHECKPOINT_STATS_CACHE_MS = 3000;

/**
 * A little more than the timeout: timers may fire a millisecond early, and a request sent at the
 * deadline must not be answered from an entry that expires a moment later.
 */
const MARGIN_MS = 100;

/**
 * How long Flink may serve cached checkpoint statistics: `rest.cache.checkpoint-statistics.timeout`,
 * else `web.refresh-interval` (its fallback key in Flink), else 3 s. Both are durations; a bare
 * number is milliseconds, as Flink reads them. An unreadable value counts as the default.
 */
export function checkpointStatsCacheMs(config: FlatConfig): number {
  for (const key of ["rest.cache.checkpoint-statistics.timeout", "web.refresh-interval"]) {
    const text = config[key];
    if (text === undefined || text.trim() === "") continue;
    try {
      return Math.max(0, parseDuration(text));
    } catch {
      return DEFAULT_CHECKPOINT_STATS_CACHE_MS;
    }
  }
  return DEFAULT_CHECKPOINT_STATS_CACHE_MS;
}

/**
 * Milliseconds until statistics read from Flink are sure to reflect everything up to `since`
 * (0: now). With the cache off (timeout 0) there is nothing to wait for.
 */
export function checkpointStatsFreshInMs(since: number, now: number, cacheMs: number): number {
  if (cacheMs <= 0) return 0;
  return Math.max(0, since + cacheMs + MARGIN_MS - now);
}

/**
 * The job's checkpoint statistics as they are after `since`: waits (at most the cache timeout,
 * returning early on abort) until no answer cached before `since` can be served, then reads them.
 */
export async function checkpointStatsAfter(
  client: FlinkRestClient,
  jobId: string,
  opts: { since: number; cacheMs: number; now: () => number; signal?: AbortSignal },
): Promise<CheckpointStats> {
  const waitMs = checkpointStatsFreshInMs(opts.since, opts.now(), opts.cacheMs);
  if (waitMs > 0) await sleep(waitMs, opts.signal);
  opts.signal?.throwIfAborted();
  return await client.checkpointStats(jobId, { signal: opts.signal });
}
