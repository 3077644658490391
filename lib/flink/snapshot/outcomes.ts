/** The two ways a snapshot ends badly, with their status, event and next step. */
import { Action } from "../../runtime/action.ts";
import { serializeErrorJson } from "../spec/error_json.ts";
import { describeJob, type SnapshotJob } from "./job_target.ts";
import { isSavepoint, log, snapshotEvent, type SnapshotPass } from "./snapshot_pass.ts";
import { markAbandoned, recordFailure } from "./snapshot_status.ts";
import { errorMessage } from "../../error_message.ts";

/** A problem with the snapshot request itself, reported as its message. */
export class SnapshotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SnapshotError";
  }
}

/**
 * A failed trigger or observation (FKO updateErrorStatus): status.error, one more failure, a
 * SavepointError/CheckpointError event, then a retry after the backoff or FAILED for good.
 */
export async function failAttempt(s: SnapshotPass, err: unknown): Promise<Action> {
  const now = s.env.now();
  const limit = s.snapshot.spec.backoffLimit;
  const outcome = recordFailure(s.status, serializeErrorJson(err), {
    backoffLimit: limit,
    now,
    backoffBaseMs: s.memory.backoffBaseMs,
  });
  s.memory.failedAt.set(s.uid, now);
  const noun = isSavepoint(s) ? "Savepoint" : "Checkpoint";
  const cause = errorMessage(err);
  const attempts = s.status.failures;
  const message = outcome.retry
    ? `${noun} attempt ${attempts} failed, retrying in ${seconds(outcome.delayMs)}: ${cause}`
    : `${noun} failed after ${attempts} attempt(s) (backoffLimit ${limit}), giving up: ${cause}`;
  log.warn("snapshot {snapshot}: {message}", { snapshot: s.name, message });
  await snapshotEvent(s, {
    type: "Warning",
    reason: isSavepoint(s) ? "SavepointError" : "CheckpointError",
    message,
    // One event per snapshot whose count grows with the attempts, not one per attempt.
    messageKey: `attempt-failed/${s.name}`,
  });
  return outcome.retry ? Action.requeue(outcome.delayMs) : Action.done();
}

/** The job stopped or its resource disappeared before the snapshot completed. */
export async function abandon(s: SnapshotPass, job: SnapshotJob | undefined): Promise<Action> {
  const ref = s.snapshot.spec.jobReference;
  const what = describeJob({ kind: ref?.kind ?? "FlinkDeployment", name: ref?.name });
  const message = job
    ? `${what} referenced by snapshot ${s.name} is not running (job state ${
      job.jobState ?? "unknown"
    })`
    : `${what} referenced by snapshot ${s.name} was not found`;
  markAbandoned(s.status, message, s.env.now());
  log.info("snapshot {snapshot} abandoned: {message}", { snapshot: s.name, message });
  await snapshotEvent(s, { type: "Warning", reason: "SnapshotAbandoned", message });
  return Action.done();
}

export function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}
