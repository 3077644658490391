/**
 * Triggering a snapshot (FKO StateSnapshotReconciler.reconcile): register an existing savepoint,
 * or start a savepoint or full checkpoint through the job's REST API.
 */
import { isFlinkVersionAtLeast } from "../../api/enums.ts";
import { Action } from "../../runtime/action.ts";
import { newTriggerId } from "../rest/async_operation.ts";
import { savepointDirectory } from "../spec/state_dirs.ts";
import { describeJob, isJobRunning, type SnapshotJob } from "./job_target.ts";
import { abandon, failAttempt, SnapshotError } from "./outcomes.ts";
import { isSavepoint, log, persist, restClient, type SnapshotPass } from "./snapshot_pass.ts";
import { markCompleted, markInProgress, retryWaitMs } from "./snapshot_status.ts";

export async function triggerPending(s: SnapshotPass): Promise<Action> {
  const status = s.status;
  const now = s.env.now();
  const wait = retryWaitMs(status, {
    now,
    backoffBaseMs: s.memory.backoffBaseMs,
    failedAtMs: s.memory.failedAt.get(s.uid),
  });
  if (wait > 0) return Action.requeue(wait);

  const savepoint = s.snapshot.spec.savepoint;
  if (savepoint?.alreadyExists) {
    markCompleted(status, savepoint.path, now, { setTriggerTimestamp: true });
    log.info("snapshot {snapshot}: registered existing savepoint {path}", {
      snapshot: s.name,
      path: savepoint.path,
    });
    return Action.done();
  }
  const job = s.job;
  if (!isJobRunning(job)) return await abandon(s, job);

  try {
    const target = isSavepoint(s) ? savepointTarget(s, job) : undefined;
    if (!isSavepoint(s)) requireCheckpointSupport(job);
    // Write the trigger id ahead: Flink deduplicates a repeated trigger id, so a crash between
    // this write and the answer re-sends the same request instead of starting a second snapshot.
    if (!status.triggerId) {
      status.triggerId = newTriggerId();
      await persist(s);
    }
    const client = await restClient(s, job);
    const triggerId = isSavepoint(s)
      ? await client.triggerSavepoint(job.jobId, {
        targetDirectory: target,
        formatType: savepoint?.formatType === "NATIVE" ? "NATIVE" : "CANONICAL",
        triggerId: status.triggerId,
      })
      : await client.triggerCheckpoint(job.jobId, { type: "FULL", triggerId: status.triggerId });
    markInProgress(status, triggerId, s.env.now());
    s.memory.lastPollAt.set(s.uid, s.env.now());
    log.info("snapshot {snapshot}: triggered {type} of job {jobId} ({trigger})", {
      snapshot: s.name,
      type: isSavepoint(s) ? "savepoint" : "checkpoint",
      jobId: job.jobId,
      trigger: triggerId,
    });
    return Action.requeue(s.env.config.reconcileIntervalMs);
  } catch (err) {
    return await failAttempt(s, err);
  }
}

/** `spec.savepoint.path`, else the job's savepoint directory. */
function savepointTarget(s: SnapshotPass, job: SnapshotJob): string {
  const target = s.snapshot.spec.savepoint?.path || savepointDirectory(job.config);
  if (!target) {
    throw new SnapshotError(
      `Either spec.savepoint.path or the savepoint directory of ${describeJob(job)} ` +
        "(state.savepoints.dir or execution.checkpointing.savepoint-dir) has to be set",
    );
  }
  return target;
}

/** Flink triggers checkpoints through REST only since 1.17. */
function requireCheckpointSupport(job: SnapshotJob): void {
  if (job.flinkVersion && !isFlinkVersionAtLeast(job.flinkVersion, "v1_17")) {
    throw new SnapshotError(
      `Checkpoints can only be triggered through the REST API on Flink 1.17 or newer; ` +
        `${describeJob(job)} runs ${job.flinkVersion}`,
    );
  }
}
