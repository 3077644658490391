/**
 * Observation of a snapshot that was triggered (FKO StateSnapshotObserver): abandon it if its job
 * is gone or not running, else poll the trigger until Flink reports the savepoint location or
 * the completed checkpoint.
 */
import { Action } from "../../runtime/action.ts";
import { isFlinkUnavailable } from "../rest/errors.ts";
import { isJobRunning, type SnapshotJob } from "./job_target.ts";
import { abandon, failAttempt, SnapshotError } from "./outcomes.ts";
import { isSavepoint, log, restClient, snapshotEvent, type SnapshotPass } from "./snapshot_pass.ts";
import { markCompleted } from "./snapshot_status.ts";
import { completedCheckpointPath } from "./checkpoint_path.ts";
import { checkpointStatsCacheMs } from "../rest/checkpoint_stats_cache.ts";
import { errorMessage } from "../../error_message.ts";

/** Returns the next step, or undefined when the snapshot must be triggered (again) now. */
export async function observeInProgress(s: SnapshotPass): Promise<Action | undefined> {
  const status = s.status;
  if (!status.triggerId) {
    // IN_PROGRESS without a trigger id cannot be polled: trigger it again.
    status.state = "TRIGGER_PENDING";
    return undefined;
  }
  const job = s.job;
  if (!isJobRunning(job)) return await abandon(s, job);

  // Poll at most once per reconcile interval (FKO's pace); passes caused by label or job
  // changes in between only run the abandon check above. A completed checkpoint whose path is
  // not readable yet is asked again when its own (shorter) wait is over.
  const interval = s.env.config.reconcileIntervalMs;
  const now = s.env.now();
  const last = s.memory.lastPollAt.get(s.uid);
  const readingPath = s.memory.checkpointCompletedAt.get(s.uid)?.triggerId === status.triggerId;
  if (!readingPath && last !== undefined && now - last < interval) {
    return Action.requeue(interval - (now - last));
  }
  s.memory.lastPollAt.set(s.uid, now);

  try {
    return isSavepoint(s)
      ? await pollSavepoint(s, job, status.triggerId)
      : await pollCheckpoint(s, job, status.triggerId);
  } catch (err) {
    if (isFlinkUnavailable(err)) {
      // Not an answer about the snapshot: ask again later instead of counting a failure.
      log.info("snapshot {snapshot}: JobManager not reachable, polling again later: {error}", {
        snapshot: s.name,
        error: errorMessage(err),
      });
      return Action.requeue(interval);
    }
    return await failAttempt(s, err);
  }
}

async function pollSavepoint(
  s: SnapshotPass,
  job: SnapshotJob & { jobId: string },
  triggerId: string,
): Promise<Action> {
  const client = await restClient(s, job);
  const result = await client.savepointStatus(job.jobId, triggerId);
  switch (result.state) {
    case "IN_PROGRESS":
      return Action.requeue(s.env.config.reconcileIntervalMs);
    case "FAILED":
      throw new SnapshotError(`Savepoint ${triggerId} failed: ${result.failure}`);
    case "COMPLETED":
      markCompleted(s.status, result.location, s.env.now(), { setTriggerTimestamp: false });
      log.info("snapshot {snapshot} completed: {path}", {
        snapshot: s.name,
        path: result.location,
      });
      return Action.done();
  }
}

async function pollCheckpoint(
  s: SnapshotPass,
  job: SnapshotJob & { jobId: string },
  triggerId: string,
): Promise<Action> {
  const client = await restClient(s, job);
  const result = await client.checkpointStatus(job.jobId, triggerId);
  if (result.state === "IN_PROGRESS") return Action.requeue(s.env.config.reconcileIntervalMs);
  if (result.state === "FAILED") {
    throw new SnapshotError(`Checkpoint ${triggerId} failed: ${result.failure}`);
  }
  // Remembered across passes: Flink's statistics may predate the checkpoint for a while after.
  const now = s.env.now();
  const seen = s.memory.checkpointCompletedAt.get(s.uid);
  const completedAt = seen?.triggerId === triggerId ? seen.at : now;
  s.memory.checkpointCompletedAt.set(s.uid, { triggerId, at: completedAt });
  const outcome = await completedCheckpointPath(client, job.jobId, result.checkpointId, {
    completedAt,
    now,
    cacheMs: checkpointStatsCacheMs(job.config),
    pollIntervalMs: s.env.config.reconcileIntervalMs,
  });
  if (outcome.kind === "wait") {
    log.info(
      "snapshot {snapshot}: checkpoint {id} completed, reading its path again in {ms} ms: " +
        "{reason}",
      { snapshot: s.name, id: result.checkpointId, ms: outcome.ms, reason: outcome.reason },
    );
    return Action.requeue(outcome.ms);
  }
  s.memory.checkpointCompletedAt.delete(s.uid);
  let path = "";
  if (outcome.kind === "path") {
    path = outcome.path;
  } else {
    // FKO: the checkpoint did complete; only its path is unknown (it already left Flink's
    // checkpoint history). Completed with an empty path, and say why.
    await snapshotEvent(s, {
      type: "Warning",
      reason: "CheckpointError",
      message: `Checkpoint ${result.checkpointId} completed but its path could not be read (${
        errorMessage(outcome.error)
      }); raise web.checkpoints.history to keep more checkpoints in Flink's history`,
    });
  }
  markCompleted(s.status, path, s.env.now(), { setTriggerTimestamp: false });
  log.info("snapshot {snapshot} completed: checkpoint {id} at {path}", {
    snapshot: s.name,
    id: result.checkpointId,
    path,
  });
  return Action.done();
}
