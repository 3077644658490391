/**
 * Typed views of Flink's read-only cluster and job endpoints, restricted to the fields the
 * operator uses (observer, cluster info, session deletion checks, snapshot observation).
 */
import {
  arrayField,
  asObject,
  booleanField,
  type JsonObject,
  numberField,
  objectField,
  stringField,
} from "./json_reader.ts";

/** `GET /config`: also the JobManager startup-probe path. */
export interface FlinkClusterConfig {
  flinkVersion?: string;
  flinkRevision?: string;
  refreshInterval?: number;
  timezoneName?: string;
  features: Record<string, boolean>;
}

/** `GET /overview`. */
export interface ClusterOverview {
  taskManagers: number;
  slotsTotal: number;
  slotsAvailable: number;
  jobsRunning: number;
  jobsFinished: number;
  jobsCancelled: number;
  jobsFailed: number;
  flinkVersion?: string;
  flinkCommit?: string;
}

/** One row of `GET /jobs/overview`. Times are epoch ms; `endTime` is -1 while running. */
export interface JobOverview {
  jid: string;
  name: string;
  /** INITIALIZING, CREATED, RUNNING, FAILING, FAILED, CANCELLING, CANCELED, FINISHED, … */
  state: string;
  startTime: number;
  endTime: number;
  duration?: number;
  lastModification: number;
}

export interface JobVertex {
  id: string;
  name: string;
  parallelism: number;
  maxParallelism?: number;
  status?: string;
}

/** `GET /jobs/:id`; `raw` keeps the full answer for callers that need more (plan, metrics). */
export interface JobDetails {
  jid: string;
  name: string;
  state: string;
  isStoppable?: boolean;
  startTime: number;
  endTime: number;
  duration?: number;
  maxParallelism?: number;
  jobType?: string;
  /** Epoch ms at which the job entered each state, keyed by state name. */
  timestamps: Record<string, number>;
  vertices: JobVertex[];
  raw: JsonObject;
}

export interface TaskManagerInfo {
  id: string;
  path?: string;
  dataPort?: number;
  slotsNumber?: number;
  freeSlots?: number;
  timeSinceLastHeartbeat?: number;
}

/** `GET /jobs/:id/checkpoints/details/:checkpointId`. */
export interface CheckpointDetails {
  id: number;
  status: "COMPLETED" | "FAILED" | "IN_PROGRESS";
  externalPath?: string;
  failureMessage?: string;
  triggerTimestamp?: number;
}

export function readClusterConfig(json: unknown): FlinkClusterConfig {
  const body = asObject(json);
  const features: Record<string, boolean> = {};
  for (const [k, v] of Object.entries(objectField(body, "features") ?? {})) {
    if (typeof v === "boolean") features[k] = v;
  }
  return compact({
    flinkVersion: stringField(body, "flink-version"),
    flinkRevision: stringField(body, "flink-revision"),
    refreshInterval: numberField(body, "refresh-interval"),
    timezoneName: stringField(body, "timezone-name"),
    features,
  });
}

export function readClusterOverview(json: unknown): ClusterOverview {
  const body = asObject(json);
  return compact({
    taskManagers: numberField(body, "taskmanagers") ?? 0,
    slotsTotal: numberField(body, "slots-total") ?? 0,
    slotsAvailable: numberField(body, "slots-available") ?? 0,
    jobsRunning: numberField(body, "jobs-running") ?? 0,
    jobsFinished: numberField(body, "jobs-finished") ?? 0,
    jobsCancelled: numberField(body, "jobs-cancelled") ?? 0,
    jobsFailed: numberField(body, "jobs-failed") ?? 0,
    flinkVersion: stringField(body, "flink-version"),
    flinkCommit: stringField(body, "flink-commit"),
  });
}

export function readJobsOverview(json: unknown): JobOverview[] {
  return arrayField(asObject(json), "jobs").flatMap((j) => {
    const job = asObject(j);
    const jid = stringField(job, "jid");
    if (!jid) return [];
    return [compact({
      jid,
      name: stringField(job, "name") ?? "",
      state: stringField(job, "state") ?? "UNKNOWN",
      startTime: numberField(job, "start-time") ?? -1,
      endTime: numberField(job, "end-time") ?? -1,
      duration: numberField(job, "duration"),
      lastModification: numberField(job, "last-modification") ?? -1,
    })];
  });
}

export function readJobDetails(json: unknown): JobDetails | undefined {
  const body = asObject(json);
  const jid = stringField(body, "jid");
  if (!body || !jid) return undefined;
  const timestamps: Record<string, number> = {};
  for (const [k, v] of Object.entries(objectField(body, "timestamps") ?? {})) {
    if (typeof v === "number") timestamps[k] = v;
  }
  const vertices = arrayField(body, "vertices").flatMap((v) => {
    const vertex = asObject(v);
    const id = stringField(vertex, "id");
    if (!id) return [];
    return [compact({
      id,
      name: stringField(vertex, "name") ?? "",
      parallelism: numberField(vertex, "parallelism") ?? 0,
      maxParallelism: numberField(vertex, "maxParallelism"),
      status: stringField(vertex, "status"),
    })];
  });
  return compact({
    jid,
    name: stringField(body, "name") ?? "",
    state: stringField(body, "state") ?? "UNKNOWN",
    isStoppable: booleanField(body, "isStoppable"),
    startTime: numberField(body, "start-time") ?? -1,
    endTime: numberField(body, "end-time") ?? -1,
    duration: numberField(body, "duration"),
    maxParallelism: numberField(body, "maxParallelism"),
    jobType: stringField(body, "job-type"),
    timestamps,
    vertices,
    raw: body,
  });
}

export function readTaskManagers(json: unknown): TaskManagerInfo[] {
  return arrayField(asObject(json), "taskmanagers").flatMap((t) => {
    const tm = asObject(t);
    const id = stringField(tm, "id");
    if (!id) return [];
    return [compact({
      id,
      path: stringField(tm, "path"),
      dataPort: numberField(tm, "dataPort"),
      slotsNumber: numberField(tm, "slotsNumber"),
      freeSlots: numberField(tm, "freeSlots"),
      timeSinceLastHeartbeat: numberField(tm, "timeSinceLastHeartbeat"),
    })];
  });
}

/**
 * The details endpoint is polymorphic: Jackson writes `className` (completed, failed,
 * in_progress) next to `status`; either identifies the kind.
 */
export function readCheckpointDetails(json: unknown): CheckpointDetails | undefined {
  const body = asObject(json);
  const id = numberField(body, "id");
  if (id === undefined) return undefined;
  const byClass: Record<string, CheckpointDetails["status"]> = {
    completed: "COMPLETED",
    failed: "FAILED",
    in_progress: "IN_PROGRESS",
  };
  const reported = stringField(body, "status");
  const status = reported === "COMPLETED" || reported === "FAILED" || reported === "IN_PROGRESS"
    ? reported
    : byClass[stringField(body, "className") ?? ""];
  if (!status) return undefined;
  return compact({
    id,
    status,
    externalPath: stringField(body, "external_path"),
    failureMessage: stringField(body, "failure_message"),
    triggerTimestamp: numberField(body, "trigger_timestamp"),
  });
}

/** Drops undefined properties so results compare and print cleanly. */
function compact<T extends object>(obj: T): T {
  for (const key of Object.keys(obj) as (keyof T)[]) {
    if (obj[key] === undefined) delete obj[key];
  }
  return obj;
}
