/**
 * Deleting a FlinkStateSnapshot (FKO StateSnapshotReconciler.cleanup): a COMPLETED savepoint with
 * `disposeOnDelete` has its data disposed of through the job's `/savepoint-disposal` first.
 * Checkpoints belong to Flink and are never disposed of. Disposal needs a running job; while
 * there is none the deletion waits — bounded by `flinkop.snapshot.disposal.timeout`, after which
 * the finalizer is removed and an event says the data was left behind (FKO would wait forever).
 */
import { Action } from "../../runtime/action.ts";
import { describeJob, isJobRunning } from "./job_target.ts";
import { referencedKind } from "./labels.ts";
import { observeInProgress } from "./observe.ts";
import { seconds } from "./outcomes.ts";
import {
  isSavepoint,
  log,
  persist,
  restClient,
  snapshotEvent,
  type SnapshotPass,
} from "./snapshot_pass.ts";
import { errorMessage } from "../../error_message.ts";

export async function disposeOnDeletion(s: SnapshotPass): Promise<Action> {
  const spec = s.snapshot.spec;
  if (!isSavepoint(s) || !spec.savepoint?.disposeOnDelete || !spec.jobReference?.name) {
    return Action.done();
  }
  if (s.status.state === "IN_PROGRESS") {
    // Let the savepoint finish (or be abandoned) so there is something definite to dispose of.
    await observeInProgress(s);
    await persist(s);
    if (s.status.state === "IN_PROGRESS") {
      return await waitOrRelease(s, "the savepoint is still being taken", undefined);
    }
  }
  const path = s.status.path;
  if (s.status.state !== "COMPLETED" || !path) return Action.done();

  const job = s.job;
  if (!isJobRunning(job)) {
    const what = describeJob({ kind: referencedKind(s.snapshot), name: spec.jobReference.name });
    const why = job ? `${what} is not running` : `${what} does not exist`;
    return await waitOrRelease(s, `${why}, and only a running job can dispose of savepoints`, path);
  }
  try {
    const client = await restClient(s, job);
    await client.disposeSavepoint(path);
    log.info("snapshot {snapshot}: disposing of savepoint {path}", { snapshot: s.name, path });
    return Action.done();
  } catch (err) {
    return await waitOrRelease(s, `disposal failed: ${errorMessage(err)}`, path);
  }
}

/** Waits for disposal to become possible, until the disposal timeout runs out. */
async function waitOrRelease(
  s: SnapshotPass,
  why: string,
  path: string | undefined,
): Promise<Action> {
  const timeout = s.memory.disposalTimeoutMs;
  const deletedAt = Date.parse(s.raw.metadata.deletionTimestamp ?? "") || s.env.now();
  const remaining = deletedAt + timeout - s.env.now();
  const what = path ? `savepoint ${path}` : "the savepoint";
  if (remaining <= 0) {
    await snapshotEvent(s, {
      type: "Warning",
      reason: "CleanupFailed",
      message: `Could not dispose of ${what} within ${seconds(timeout)} (${why}); ` +
        "removing the finalizer without disposing of it. Delete the data yourself if needed.",
    });
    return Action.done();
  }
  await snapshotEvent(s, {
    type: "Warning",
    reason: "CleanupFailed",
    message: `Cannot dispose of ${what}: ${why}. Retrying for up to ${
      seconds(remaining)
    }, then the resource is deleted without disposing of the data.`,
    messageKey: `dispose-wait/${s.name}`,
  });
  return Action.requeue(Math.min(s.env.config.reconcileIntervalMs, remaining));
}
