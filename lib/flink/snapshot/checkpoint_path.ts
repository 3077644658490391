/**
 * The path of a checkpoint whose trigger Flink reported COMPLETED, from
 * `GET /jobs/:id/checkpoints/details/:cid`. Those details come from Flink's checkpoint-statistics
 * cache (rest/checkpoint_stats_cache.ts): filled before the checkpoint completed, it answers 404
 * (or IN_PROGRESS) for it until the cache timeout has passed. Only an answer after that says
 * something about the checkpoint itself — e.g. that it already left Flink's history.
 */
import { checkpointStatsFreshInMs } from "../rest/checkpoint_stats_cache.ts";
import type { FlinkRestClient } from "../rest/client.ts";
import { FlinkRestError, isFlinkUnavailable } from "../rest/errors.ts";
import { SnapshotError } from "./outcomes.ts";

export type CheckpointPathOutcome =
  /** The external path (empty when Flink gives none). */
  | { kind: "path"; path: string }
  /** Not answerable yet; ask again after `ms`. */
  | { kind: "wait"; ms: number; reason: string }
  /** The checkpoint completed, but its details cannot be read (e.g. gone from the history). */
  | { kind: "unreadable"; error: unknown };

export interface CheckpointPathTiming {
  /** When the checkpoint was first seen completed (epoch ms). */
  completedAt: number;
  now: number;
  /** Flink's `rest.cache.checkpoint-statistics.timeout` for this cluster. */
  cacheMs: number;
  /** The next poll when the details say IN_PROGRESS after the cache window (normal pace). */
  pollIntervalMs: number;
}

/**
 * Reads the path. Throws SnapshotError when the details say the checkpoint failed, and rethrows
 * errors that mean the JobManager could not be asked.
 */
export async function completedCheckpointPath(
  client: FlinkRestClient,
  jobId: string,
  checkpointId: number,
  timing: CheckpointPathTiming,
): Promise<CheckpointPathOutcome> {
  const cachedFor = checkpointStatsFreshInMs(timing.completedAt, timing.now, timing.cacheMs);
  let details;
  try {
    details = await client.checkpointDetails(jobId, checkpointId);
  } catch (err) {
    if (isFlinkUnavailable(err)) throw err;
    if (cachedFor > 0 && err instanceof FlinkRestError && err.status === 404) {
      return {
        kind: "wait",
        ms: cachedFor,
        reason: `Flink's checkpoint statistics may predate checkpoint ${checkpointId} for ` +
          `${cachedFor} ms more (rest.cache.checkpoint-statistics.timeout)`,
      };
    }
    return { kind: "unreadable", error: err };
  }
  if (details.status === "FAILED") {
    throw new SnapshotError(
      `Checkpoint ${checkpointId} failed: ${details.failureMessage ?? "no reason given"}`,
    );
  }
  if (details.status === "IN_PROGRESS") {
    return {
      kind: "wait",
      ms: cachedFor > 0 ? cachedFor : timing.pollIntervalMs,
      reason: `checkpoint ${checkpointId} is still in progress in Flink's statistics`,
    };
  }
  return { kind: "path", path: details.externalPath ?? "" };
}
