import type {
  CheckpointCoordinator,
  CheckpointRecord,
  RestoredRecord,
} from "./checkpoint_coordinator.ts";
import { vertexIdOf } from "./job_json.ts";
import type { SimJob } from "./job.ts";

/*
 * Checkpoint statistics as `GET /jobs/:id/checkpoints` and `/checkpoints/details/:id` report
 * them (snake_case, `className` discriminator), which the operator reads for the latest durable
 * pointer.
 */

const CLASS_NAME: Record<CheckpointRecord["status"], string> = {
  IN_PROGRESS: "in_progress",
  COMPLETED: "completed",
  FAILED: "failed",
};

/**
 * One checkpoint. Per-vertex `tasks` only for `/checkpoints/details/:id` (`withTasks`); the
 * statistics overview lists every checkpoint with `tasks: {}`, as Flink does.
 */
export function checkpointRecordJson(
  record: CheckpointRecord,
  job: SimJob,
  now: number,
  withTasks = false,
) {
  const end = record.ackTimestamp ?? record.failureTimestamp ?? now;
  const json: Record<string, unknown> = {
    "className": CLASS_NAME[record.status],
    "id": record.id,
    "status": record.status,
    "is_savepoint": record.kind !== "CHECKPOINT",
    "savepointFormat": record.savepointFormat ?? null,
    "trigger_timestamp": record.triggerTimestamp,
    "latest_ack_timestamp": record.ackTimestamp ?? -1,
    "checkpointed_size": record.stateSize,
    "state_size": record.stateSize,
    "end_to_end_duration": end - record.triggerTimestamp,
    "alignment_buffered": 0,
    "processed_data": 0,
    "persisted_data": 0,
    "num_subtasks": job.parallelism,
    "num_acknowledged_subtasks": record.status === "COMPLETED" ? job.parallelism : 0,
    "checkpoint_type": record.kind,
    "tasks": !withTasks ? {} : {
      [vertexIdOf(job)]: {
        "id": record.id,
        "status": record.status,
        "latest_ack_timestamp": record.ackTimestamp ?? -1,
        "checkpointed_size": record.stateSize,
        "state_size": record.stateSize,
        "end_to_end_duration": end - record.triggerTimestamp,
        "alignment_buffered": 0,
        "processed_data": 0,
        "persisted_data": 0,
        "num_subtasks": job.parallelism,
        "num_acknowledged_subtasks": record.status === "COMPLETED" ? job.parallelism : 0,
      },
    },
  };
  if (record.status === "COMPLETED") {
    json["external_path"] = record.externalPath ?? null;
    json["discarded"] = record.discarded;
  }
  if (record.status === "FAILED") {
    json["failure_timestamp"] = record.failureTimestamp;
    json["failure_message"] = record.failureMessage ?? null;
  }
  return json;
}

function restoredJson(restored: RestoredRecord | undefined) {
  if (!restored) return null;
  return {
    "id": restored.id,
    "restore_timestamp": restored.restoreTimestamp,
    "is_savepoint": restored.isSavepoint,
    "external_path": restored.externalPath,
  };
}

/**
 * Flink's statistics summary of completed checkpoints. Without any, the percentiles are NaN,
 * which Flink's JSON writes as the string "NaN".
 */
function statsOf(values: number[]) {
  if (values.length === 0) {
    const nan = "NaN";
    return { min: 0, max: 0, avg: 0, p50: nan, p90: nan, p95: nan, p99: nan, p999: nan };
  }
  const sorted = [...values].sort((a, b) => a - b);
  const pick = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const avg = Math.round(values.reduce((a, b) => a + b, 0) / values.length);
  return {
    min: sorted[0],
    max: sorted.at(-1)!,
    avg,
    p50: pick(0.5),
    p90: pick(0.9),
    p95: pick(0.95),
    p99: pick(0.99),
    p999: pick(0.999),
  };
}

/** What Flink's checkpoint statistics cache holds for a job: the statistics and each entry's details. */
export interface CheckpointStatsView {
  stats: unknown;
  details: ReadonlyMap<number, unknown>;
}

export function checkpointStatsView(job: SimJob, now: number): CheckpointStatsView {
  return {
    stats: checkpointingStatsJson(job, now),
    details: new Map(
      job.checkpoints.history.map((r) => [r.id, checkpointRecordJson(r, job, now, true)]),
    ),
  };
}

export function checkpointingStatsJson(job: SimJob, now: number) {
  const cp: CheckpointCoordinator = job.checkpoints;
  const done = cp.history.filter((r) => r.status === "COMPLETED");
  const sizes = statsOf(done.map((r) => r.stateSize));
  const durations = statsOf(done.map((r) => (r.ackTimestamp ?? now) - r.triggerTimestamp));
  // No data is processed or persisted while aligning: zeros per completed checkpoint.
  const zero = statsOf(done.map(() => 0));
  // Alignment buffering no longer exists: Flink reports zeros, with or without checkpoints.
  const alignment = { min: 0, max: 0, avg: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0 };
  const record = (r: CheckpointRecord | undefined) => r ? checkpointRecordJson(r, job, now) : null;
  return {
    counts: {
      restored: cp.counts.restored,
      total: cp.counts.total,
      in_progress: cp.inProgress,
      completed: cp.counts.completed,
      failed: cp.counts.failed,
    },
    summary: {
      checkpointed_size: sizes,
      state_size: sizes,
      end_to_end_duration: durations,
      alignment_buffered: alignment,
      processed_data: zero,
      persisted_data: zero,
    },
    latest: {
      completed: record(cp.latestCompleted),
      savepoint: record(cp.latestSavepoint),
      failed: record(cp.latestFailed),
      restored: restoredJson(cp.restored),
    },
    history: cp.history.map((r) => checkpointRecordJson(r, job, now)),
  };
}
