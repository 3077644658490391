import { FLINK_JOB_STATES, type FlinkJobState } from "../../lib/api/enums.ts";
import { derivedId } from "./ids.ts";
import { serializedThrowableJson, stackTraceOf } from "./failure.ts";
import { type ExceptionRecord, isGloballyTerminal, type SimJob } from "./job.ts";
import { restartPolicyOf } from "./flink_options.ts";
import { type FlinkVersion, isAtLeast } from "./version.ts";

/*
 * REST JSON of jobs, shaped like Flink's handlers (field names and nesting are the contract;
 * values of fields no client reads are plausible constants).
 */

const VERTEX_NAME = "Source: Sim Counter -> Sink: Sim Sink";

type TaskCounts = Record<string, number>;

/** Per-state subtask counts for the job's single vertex (none without an execution graph). */
function taskCounts(job: SimJob): TaskCounts {
  const counts: TaskCounts = {
    created: 0,
    scheduled: 0,
    deploying: 0,
    running: 0,
    finished: 0,
    canceling: 0,
    canceled: 0,
    failed: 0,
    reconciling: 0,
    initializing: 0,
  };
  const bucket: Partial<Record<FlinkJobState, string>> = {
    INITIALIZING: "created",
    CREATED: "created",
    RUNNING: "running",
    FAILING: "canceling",
    FAILED: "canceled",
    CANCELLING: "canceling",
    CANCELED: "canceled",
    FINISHED: "finished",
    RESTARTING: "canceled",
    SUSPENDED: "canceled",
    RECONCILING: "reconciling",
  };
  if (job.hasExecutionGraph) counts[bucket[job.state] ?? "created"] += job.parallelism;
  return counts;
}

/** Subtasks of the job: none before it has an execution graph. */
function totalTasks(job: SimJob): number {
  return job.hasExecutionGraph ? job.parallelism : 0;
}

function upper(counts: TaskCounts): TaskCounts {
  return Object.fromEntries(Object.entries(counts).map(([k, v]) => [k.toUpperCase(), v]));
}

function endTime(job: SimJob): number {
  return job.endTime ?? -1;
}

function duration(job: SimJob, now: number): number {
  return (job.endTime ?? now) - job.startTime;
}

export function vertexIdOf(job: SimJob): string {
  return job.vertexId;
}

export function jobOverviewJson(job: SimJob, version: FlinkVersion, now: number) {
  const counts = taskCounts(job);
  return {
    "jid": job.id,
    "name": job.name,
    "start-time": job.startTime,
    "end-time": endTime(job),
    "duration": duration(job, now),
    "state": job.state,
    "last-modification": Math.max(...Object.values(job.timestamps).map((t) => t ?? 0)),
    "tasks": { ...counts, total: totalTasks(job) },
    ...(isAtLeast(version, 2, 0) ? { "pending-operators": 0 } : {}),
  };
}

export function jobDetailsJson(job: SimJob, version: FlinkVersion, now: number) {
  const counts = taskCounts(job);
  const vertexId = vertexIdOf(job);
  const timestamps = Object.fromEntries(FLINK_JOB_STATES.map((s) => [s, job.timestamps[s] ?? 0]));
  const records = job.counter(now);
  const vertexState = Object.entries(counts).find(([, n]) => n > 0)?.[0].toUpperCase() ??
    "CREATED";
  const graph = job.hasExecutionGraph;
  return {
    "jid": job.id,
    "name": job.name,
    "isStoppable": false,
    "state": job.state,
    "job-type": "STREAMING",
    "start-time": job.startTime,
    "end-time": endTime(job),
    "duration": duration(job, now),
    "maxParallelism": -1,
    "now": now,
    "timestamps": timestamps,
    "vertices": !graph ? [] : [{
      "id": vertexId,
      "slotSharingGroupId": derivedId(`ssg:${job.id}`),
      "name": VERTEX_NAME,
      "maxParallelism": 128,
      "parallelism": job.parallelism,
      "status": vertexState,
      "start-time": job.timestamps.RUNNING ?? -1,
      "end-time": endTime(job),
      "duration": duration(job, now),
      "tasks": upper(counts),
      "metrics": {
        "read-bytes": 0,
        "read-bytes-complete": true,
        "write-bytes": records * 8,
        "write-bytes-complete": true,
        "read-records": 0,
        "read-records-complete": true,
        "write-records": records,
        "write-records-complete": true,
        "accumulated-backpressured-time": 0,
        "accumulated-idle-time": 0,
        "accumulated-busy-time": 0,
      },
    }],
    "status-counts": upper(counts),
    "plan": !graph ? emptyPlan(version) : {
      "jid": job.id,
      "name": job.name,
      "type": "STREAMING",
      "nodes": [{
        "id": vertexId,
        "parallelism": job.parallelism,
        "operator": "",
        "operator_strategy": "",
        "description": VERTEX_NAME,
        "optimizer_properties": {},
      }],
    },
    ...(isAtLeast(version, 2, 0) ? { "pending-operators": 0 } : {}),
  };
}

/** The plan of a job without an execution graph: empty in 1.x, blank fields in 2.x. */
function emptyPlan(version: FlinkVersion) {
  return isAtLeast(version, 2, 0) ? { jid: "", name: "", type: "", nodes: [] } : {};
}

const APPLICATION_STATUS: Partial<Record<FlinkJobState, string>> = {
  FINISHED: "SUCCEEDED",
  FAILED: "FAILED",
  CANCELED: "CANCELED",
};

export function executionResultJson(job: SimJob, now: number) {
  if (!isGloballyTerminal(job.state)) return { status: { id: "IN_PROGRESS" } };
  return {
    "status": { id: "COMPLETED" },
    "job-execution-result": {
      "id": job.id,
      "application-status": APPLICATION_STATUS[job.state] ?? "UNKNOWN",
      // The counter's accumulator, once tasks ran (Java-serialised in Flink; here its text).
      "accumulator-results": job.timestamps.RUNNING === undefined
        ? {}
        : { counter: btoa(String(job.counter(now))) },
      "net-runtime": duration(job, now),
      ...(job.failure ? { "failure-cause": serializedThrowableJson(job.failure.failure) } : {}),
    },
  };
}

export function jobExceptionsJson(job: SimJob, version: FlinkVersion, maxExceptions: number) {
  return exceptionsJson(job.exceptions, job.failure, version, maxExceptions);
}

/** The views Flink derives from one (cached) execution graph of a job. */
export interface ExecutionGraphViews {
  details: unknown;
  config: unknown;
  accumulators: unknown;
  exceptions(maxExceptions: number): unknown;
}

/** The job's execution-graph views as of `now`. */
export function executionGraphViews(
  job: SimJob,
  version: FlinkVersion,
  now: number,
): ExecutionGraphViews {
  const records = [...job.exceptions];
  const failure = job.failure;
  return {
    details: jobDetailsJson(job, version, now),
    config: jobConfigJson(job, version),
    accumulators: jobAccumulatorsJson(job, now),
    exceptions: (max) => exceptionsJson(records, failure, version, max),
  };
}

function exceptionsJson(
  exceptions: readonly ExceptionRecord[],
  failure: ExceptionRecord | undefined,
  version: FlinkVersion,
  maxExceptions: number,
) {
  const legacyFields = !isAtLeast(version, 2, 0);
  // Every simulated failure is global (no task, location or TaskManager), and Flink leaves
  // those fields out rather than sending null.
  const entries = exceptions.slice(0, maxExceptions).map((e) => ({
    exceptionName: e.failure.className,
    stacktrace: stackTraceOf(e.failure),
    timestamp: e.timestamp,
    failureLabels: {},
    concurrentExceptions: [],
  }));
  const history = { entries, truncated: exceptions.length > maxExceptions };
  if (!legacyFields) return { exceptionHistory: history };
  const root = failure ?? exceptions[0];
  return {
    "root-exception": root ? stackTraceOf(root.failure) : null,
    "timestamp": root?.timestamp ?? null,
    "all-exceptions": [],
    "truncated": false,
    "exceptionHistory": history,
  };
}

export function jobConfigJson(job: SimJob, version: FlinkVersion) {
  return {
    "jid": job.id,
    "name": job.name,
    "execution-config": {
      ...(isAtLeast(version, 2, 0) ? {} : { "execution-mode": "PIPELINED" }),
      "restart-strategy": restartPolicyOf(job.config).description,
      "job-parallelism": job.parallelism,
      "object-reuse-mode": false,
      "user-config": {},
    },
  };
}

/** Job-level metrics by name; values are strings, as Flink's metric store reports them. */
export function jobMetrics(
  job: SimJob,
  version: FlinkVersion,
  now: number,
): Record<string, string> {
  const cp = job.checkpoints;
  const last = cp.latestCompleted;
  const metrics: Record<string, string> = {
    numRestarts: String(job.numRestarts),
    numberOfCompletedCheckpoints: String(cp.counts.completed),
    numberOfFailedCheckpoints: String(cp.counts.failed),
    numberOfInProgressCheckpoints: String(cp.inProgress),
    totalNumberOfCheckpoints: String(cp.counts.total),
    lastCheckpointDuration: String(last ? (last.ackTimestamp ?? 0) - last.triggerTimestamp : -1),
    lastCheckpointSize: String(last?.stateSize ?? -1),
    lastCheckpointExternalPath: last?.externalPath ?? "n/a",
    lastCheckpointRestoreTimestamp: String(cp.restored?.restoreTimestamp ?? -1),
    uptime: String(job.state === "RUNNING" ? job.runningMs(now) : 0),
    downtime: String(0),
    restartingTime: String(job.restartingMs(now)),
  };
  // fullRestarts was deprecated for years and removed in 2.0.
  if (!isAtLeast(version, 2, 0)) metrics.fullRestarts = metrics.numRestarts;
  return metrics;
}

/** `/jobs/:id/accumulators`: the job's counter is exposed as a user accumulator. */
export function jobAccumulatorsJson(job: SimJob, now: number) {
  return {
    "job-accumulators": [],
    "user-task-accumulators": [{
      name: "counter",
      type: "LongCounter",
      value: String(job.counter(now)),
    }],
    "serialized-user-task-accumulators": {},
  };
}
