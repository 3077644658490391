/**
 * The JobManager REST calls the operator makes (FKO's AbstractFlinkService), over any transport.
 *
 * Paths carry the `/v1` prefix, as Flink's own RestClient sends them. Every async trigger sends a
 * trigger id (the caller's, or a fresh random one) so that a retried trigger is idempotent.
 */
import {
  type CheckpointTriggerStatus,
  type DisposalStatus,
  type ExecutionResult,
  newTriggerId,
  readCheckpointTriggerStatus,
  readDisposalStatus,
  readExecutionResult,
  readSavepointStatus,
  type SavepointStatus,
} from "./async_operation.ts";
import { CHECKPOINTING_DISABLED_MESSAGE, CheckpointStats } from "./checkpoint_stats.ts";
import {
  type CheckpointDetails,
  type ClusterOverview,
  type FlinkClusterConfig,
  type JobDetails,
  type JobOverview,
  readCheckpointDetails,
  readClusterConfig,
  readClusterOverview,
  readJobDetails,
  readJobsOverview,
  readTaskManagers,
  type TaskManagerInfo,
} from "./cluster_info.ts";
import { FlinkRestError } from "./errors.ts";
import { type JobExceptions, readJobExceptions } from "./exception_history.ts";
import { type FlinkVersion, isFlinkVersionAtLeast } from "./flink_version.ts";
import { arrayField, asObject, numberField, objectField, stringField } from "./json_reader.ts";
import type { JobManagerGate } from "./jobmanager_gate.ts";
import type { MultipartFile } from "./multipart.ts";
import type { QueryParams, RestResponse, RestTransport } from "./transport.ts";

const API_PREFIX = "/v1";

/** Per-call deadlines, from the operator config (`kubernetes.operator.flink.client.*`). */
export interface FlinkRestTimeouts {
  /** `flink.client.timeout`: every call not listed below. */
  defaultMs: number;
  /** `flink.client.cancel.timeout`. */
  cancelMs: number;
  /** `job.submission.timeout`: the jar run, which starts the user's main() (FKO: not the upload). */
  jarRunMs: number;
}

export const DEFAULT_FLINK_REST_TIMEOUTS: Readonly<FlinkRestTimeouts> = {
  defaultMs: 10_000,
  cancelMs: 60_000,
  jarRunMs: 600_000,
};

/** Overrides for one call. */
export interface CallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * - `cancelled`: Flink accepted the cancellation; the job moves to CANCELED asynchronously.
 * - `missing`: the JobManager does not know the job (HTTP 404).
 * - `already-terminal`: the job had already finished, failed or been cancelled (HTTP 409).
 */
export type CancelOutcome = "cancelled" | "missing" | "already-terminal";

export type SavepointFormatType = "CANONICAL" | "NATIVE";
/** FULL and CONFIGURED work everywhere since 1.17; some versions reject INCREMENTAL. */
export type CheckpointType = "FULL" | "INCREMENTAL" | "CONFIGURED";
export type ClaimMode = "CLAIM" | "NO_CLAIM" | "LEGACY";

export interface StopWithSavepointOptions {
  /** Omit only when the cluster has `state.savepoints.dir`. */
  targetDirectory?: string;
  /** Emit MAX_WATERMARK before stopping (`job.drain-on-savepoint-deletion`). */
  drain: boolean;
  formatType: SavepointFormatType;
  triggerId?: string;
}

export interface SavepointOptions {
  targetDirectory?: string;
  formatType: SavepointFormatType;
  triggerId?: string;
}

export interface CheckpointOptions {
  type: CheckpointType;
  triggerId?: string;
}

export interface JarRunOptions {
  entryClass?: string;
  programArgsList?: string[];
  /** Sent only when > 0, so the cluster default applies otherwise. */
  parallelism?: number;
  jobId?: string;
  savepointPath?: string;
  allowNonRestoredState?: boolean;
  /** Defaults to NO_CLAIM, as FKO always sends. */
  claimMode?: ClaimMode;
  /** The session job's effective configuration; sent only to Flink ≥ 1.17. */
  flinkConfiguration?: Record<string, string>;
}

/** Per-vertex parallelism bounds of the adaptive scheduler (Flink ≥ 1.18). */
export type ResourceRequirements = Record<string, { lowerBound: number; upperBound: number }>;

export class FlinkRestClient {
  readonly timeouts: Readonly<FlinkRestTimeouts>;
  /** The JobManager's key in the gate: where the transport sends, without how it was found. */
  readonly #host: string;

  constructor(
    readonly transport: RestTransport,
    timeouts: Partial<FlinkRestTimeouts> = {},
    /** The operator's bound per JobManager; without one, requests are sent directly. */
    private readonly gate?: JobManagerGate,
  ) {
    this.timeouts = { ...DEFAULT_FLINK_REST_TIMEOUTS, ...timeouts };
    this.#host = transport.describe().replace(/ \(.*\)$/s, "");
  }

  describe(): string {
    return this.transport.describe();
  }

  async config(opts?: CallOptions): Promise<FlinkClusterConfig> {
    return readClusterConfig((await this.call("GET", "/config", {}, opts)).json);
  }

  async overview(opts?: CallOptions): Promise<ClusterOverview> {
    return readClusterOverview((await this.call("GET", "/overview", {}, opts)).json);
  }

  async listJobs(opts?: CallOptions): Promise<JobOverview[]> {
    return readJobsOverview((await this.call("GET", "/jobs/overview", {}, opts)).json);
  }

  async jobDetails(jobId: string, opts?: CallOptions): Promise<JobDetails> {
    const path = `/jobs/${seg(jobId)}`;
    const res = await this.call("GET", path, {}, opts);
    return this.parsed(res, "GET", path, readJobDetails(res.json), "job details");
  }

  /** The job's state, e.g. RUNNING; cheaper than jobDetails. */
  async jobStatus(jobId: string, opts?: CallOptions): Promise<string> {
    const path = `/jobs/${seg(jobId)}/status`;
    const res = await this.call("GET", path, {}, opts);
    return this.parsed(res, "GET", path, stringField(asObject(res.json), "status"), "status");
  }

  async cancelJob(jobId: string, opts?: CallOptions): Promise<CancelOutcome> {
    const path = `/jobs/${seg(jobId)}`;
    const res = await this.send("PATCH", path, { query: { mode: "cancel" } }, {
      timeoutMs: this.timeouts.cancelMs,
      ...opts,
    });
    if (isSuccess(res)) return "cancelled";
    if (res.status === 404) return "missing";
    if (res.status === 409) return "already-terminal";
    const error = this.errorOf(res, "PATCH", path);
    // Older versions answer 500 with FlinkJobTerminatedWithoutCancellationException's message.
    if (error.mentions("already reached another terminal state")) return "already-terminal";
    throw error;
  }

  /** `POST /jobs/:id/stop`; poll the result with savepointStatus. Returns the trigger id. */
  async stopWithSavepoint(
    jobId: string,
    options: StopWithSavepointOptions,
    opts?: CallOptions,
  ): Promise<string> {
    // Unlike the savepoint trigger, the stop request spells it `targetDirectory`.
    const body = withoutUndefined({
      targetDirectory: options.targetDirectory,
      drain: options.drain,
      formatType: options.formatType,
      triggerId: options.triggerId ?? newTriggerId(),
    });
    return await this.trigger(`/jobs/${seg(jobId)}/stop`, body, opts);
  }

  /** `POST /jobs/:id/savepoints`. Returns the trigger id. */
  async triggerSavepoint(
    jobId: string,
    options: SavepointOptions,
    opts?: CallOptions,
  ): Promise<string> {
    const body = withoutUndefined({
      "target-directory": options.targetDirectory,
      "cancel-job": false,
      formatType: options.formatType,
      triggerId: options.triggerId ?? newTriggerId(),
    });
    return await this.trigger(`/jobs/${seg(jobId)}/savepoints`, body, opts);
  }

  /** Status of a savepoint or of a stop-with-savepoint. */
  async savepointStatus(
    jobId: string,
    triggerId: string,
    opts?: CallOptions,
  ): Promise<SavepointStatus> {
    const path = `/jobs/${seg(jobId)}/savepoints/${seg(triggerId)}`;
    const res = await this.call("GET", path, {}, opts);
    return this.parsed(res, "GET", path, readSavepointStatus(res.json), "savepoint status");
  }

  /** Flink ≥ 1.17 only. Returns the trigger id. */
  async triggerCheckpoint(
    jobId: string,
    options: CheckpointOptions,
    opts?: CallOptions,
  ): Promise<string> {
    const body = { checkpointType: options.type, triggerId: options.triggerId ?? newTriggerId() };
    return await this.trigger(`/jobs/${seg(jobId)}/checkpoints`, body, opts);
  }

  async checkpointStatus(
    jobId: string,
    triggerId: string,
    opts?: CallOptions,
  ): Promise<CheckpointTriggerStatus> {
    const path = `/jobs/${seg(jobId)}/checkpoints/${seg(triggerId)}`;
    const res = await this.call("GET", path, {}, opts);
    return this.parsed(
      res,
      "GET",
      path,
      readCheckpointTriggerStatus(res.json),
      "checkpoint status",
    );
  }

  /** Only answers while the checkpoint is still in the web history (`web.checkpoints.history`). */
  async checkpointDetails(
    jobId: string,
    checkpointId: number,
    opts?: CallOptions,
  ): Promise<CheckpointDetails> {
    const path = `/jobs/${seg(jobId)}/checkpoints/details/${checkpointId}`;
    const res = await this.call("GET", path, {}, opts);
    return this.parsed(res, "GET", path, readCheckpointDetails(res.json), "checkpoint details");
  }

  /** Jobs without checkpointing yield stats with `checkpointingDisabled` set, not an error. */
  async checkpointStats(jobId: string, opts?: CallOptions): Promise<CheckpointStats> {
    const path = `/jobs/${seg(jobId)}/checkpoints`;
    const res = await this.send("GET", path, {}, opts);
    if (isSuccess(res)) return CheckpointStats.fromJson(res.json);
    const error = this.errorOf(res, "GET", path);
    if (error.mentions(CHECKPOINTING_DISABLED_MESSAGE)) return CheckpointStats.disabled();
    throw error;
  }

  async exceptions(
    jobId: string,
    maxExceptions: number,
    opts?: CallOptions,
  ): Promise<JobExceptions> {
    const path = `/jobs/${seg(jobId)}/exceptions`;
    const res = await this.call("GET", path, { query: { maxExceptions } }, opts);
    return readJobExceptions(res.json);
  }

  async executionResult(jobId: string, opts?: CallOptions): Promise<ExecutionResult> {
    const path = `/jobs/${seg(jobId)}/execution-result`;
    const res = await this.call("GET", path, {}, opts);
    return this.parsed(res, "GET", path, readExecutionResult(res.json), "execution result");
  }

  /** Job metric values by name; metrics the job does not have are absent from the result. */
  async metrics(
    jobId: string,
    names: string[],
    opts?: CallOptions,
  ): Promise<Record<string, string>> {
    const path = `/jobs/${seg(jobId)}/metrics`;
    const res = await this.call("GET", path, { query: { get: names.join(",") } }, opts);
    const values: Record<string, string> = {};
    for (const item of Array.isArray(res.json) ? res.json : []) {
      const metric = asObject(item);
      const id = stringField(metric, "id");
      const value = metric?.["value"];
      if (id !== undefined && value !== undefined && value !== null) values[id] = String(value);
    }
    return values;
  }

  async taskManagers(opts?: CallOptions): Promise<TaskManagerInfo[]> {
    return readTaskManagers((await this.call("GET", "/taskmanagers", {}, opts)).json);
  }

  /** Starts disposing a savepoint's data; needs a running JobManager. Returns the trigger id. */
  async disposeSavepoint(savepointPath: string, opts?: CallOptions): Promise<string> {
    return await this.trigger("/savepoint-disposal", { "savepoint-path": savepointPath }, opts);
  }

  async disposalStatus(triggerId: string, opts?: CallOptions): Promise<DisposalStatus> {
    const path = `/savepoint-disposal/${seg(triggerId)}`;
    const res = await this.call("GET", path, {}, opts);
    return this.parsed(res, "GET", path, readDisposalStatus(res.json), "disposal status");
  }

  /**
   * Uploads a jar to a session cluster and returns its jar id. Flink rejects file names that do
   * not end in `.jar`.
   */
  async uploadJar(bytes: Uint8Array, filename: string, opts?: CallOptions): Promise<string> {
    const multipart: MultipartFile = {
      field: "jarfile",
      filename: basename(filename),
      contentType: "application/x-java-archive",
      bytes,
    };
    // FKO bounds the upload by flink.client.timeout and only the run by job.submission.timeout.
    const res = await this.call("POST", "/jars/upload", { multipart }, opts);
    const body = asObject(res.json);
    const stored = stringField(body, "filename");
    const status = stringField(body, "status");
    const jarId = stored && status === "success" ? basename(stored) : undefined;
    return this.parsed(res, "POST", "/jars/upload", jarId, "filename and status success");
  }

  /**
   * Runs an uploaded jar's main() and returns the job id. The request shape depends on the
   * cluster's Flink version: `claimMode` replaced `restoreMode` in 1.20, `flinkConfiguration`
   * exists since 1.17, and Flink rejects fields it does not know.
   */
  async runJar(
    jarId: string,
    options: JarRunOptions,
    flinkVersion: FlinkVersion,
    opts?: CallOptions,
  ): Promise<string> {
    const path = `/jars/${seg(jarId)}/run`;
    const res = await this.call("POST", path, { body: jarRunBody(options, flinkVersion) }, {
      timeoutMs: this.timeouts.jarRunMs,
      ...opts,
    });
    return this.parsed(res, "POST", path, stringField(asObject(res.json), "jobid"), "jobid");
  }

  async deleteJar(jarId: string, opts?: CallOptions): Promise<void> {
    await this.call("DELETE", `/jars/${seg(jarId)}`, {}, opts);
  }

  /** Stops the JobManager process (not TaskManagers the caller started itself). */
  async shutdownCluster(opts?: CallOptions): Promise<void> {
    await this.call("DELETE", "/cluster", {}, opts);
  }

  /** Adaptive-scheduler parallelism bounds per vertex (Flink ≥ 1.18). */
  async resourceRequirements(jobId: string, opts?: CallOptions): Promise<ResourceRequirements> {
    const res = await this.call("GET", `/jobs/${seg(jobId)}/resource-requirements`, {}, opts);
    const out: ResourceRequirements = {};
    for (const [vertex, value] of Object.entries(asObject(res.json) ?? {})) {
      const bounds = objectField(asObject(value), "parallelism");
      const lowerBound = numberField(bounds, "lowerBound");
      const upperBound = numberField(bounds, "upperBound");
      if (lowerBound !== undefined && upperBound !== undefined) {
        out[vertex] = { lowerBound, upperBound };
      }
    }
    return out;
  }

  /** In-place rescale: new bounds take effect without a restart from a savepoint. */
  async updateResourceRequirements(
    jobId: string,
    requirements: ResourceRequirements,
    opts?: CallOptions,
  ): Promise<void> {
    const body: Record<string, { parallelism: { lowerBound: number; upperBound: number } }> = {};
    for (const [vertex, bounds] of Object.entries(requirements)) {
      body[vertex] = {
        parallelism: { lowerBound: bounds.lowerBound, upperBound: bounds.upperBound },
      };
    }
    await this.call("PUT", `/jobs/${seg(jobId)}/resource-requirements`, { body }, opts);
  }

  private async trigger(path: string, body: unknown, opts?: CallOptions): Promise<string> {
    const res = await this.call("POST", path, { body }, opts);
    return this.parsed(
      res,
      "POST",
      path,
      stringField(asObject(res.json), "request-id"),
      "request-id",
    );
  }

  /** Sends and requires a 2xx answer. */
  private async call(
    method: string,
    path: string,
    req: { body?: unknown; query?: QueryParams; multipart?: MultipartFile },
    opts?: CallOptions,
  ): Promise<RestResponse> {
    const res = await this.send(method, path, req, opts);
    if (!isSuccess(res)) throw this.errorOf(res, method, path);
    return res;
  }

  /**
   * With a gate, every request waits for the JobManager's turn in it (jobmanager_gate.ts), which
   * bounds the requests in flight to one JobManager and refuses to queue behind one that stopped
   * answering.
   */
  private send(
    method: string,
    path: string,
    req: { body?: unknown; query?: QueryParams; multipart?: MultipartFile },
    opts?: CallOptions,
  ): Promise<RestResponse> {
    const timeoutMs = opts?.timeoutMs ?? this.timeouts.defaultMs;
    const sendWithin = (remainingMs: number) =>
      this.transport.request(method, API_PREFIX + path, {
        ...req,
        timeoutMs: remainingMs,
        signal: opts?.signal,
      });
    if (!this.gate) return sendWithin(timeoutMs);
    return this.gate.run({
      host: this.#host,
      timeoutMs,
      // Calls that may take long by nature (cancel, jar upload and run) are not overdue early.
      expectedMs: timeoutMs > this.timeouts.defaultMs ? timeoutMs : undefined,
      signal: opts?.signal,
      what: `${method} ${API_PREFIX}${path}`,
    }, sendWithin);
  }

  private errorOf(res: RestResponse, method: string, path: string): FlinkRestError {
    const listed = arrayField(asObject(res.json), "errors").map(String);
    const errors = listed.length > 0
      ? listed
      : [res.text.trim().slice(0, 2000) || `HTTP ${res.status}`];
    return new FlinkRestError(res.status, errors, method, API_PREFIX + path, this.describe());
  }

  /** A 2xx answer that lacks what the call promises is an error, not an empty result. */
  private parsed<T>(
    res: RestResponse,
    method: string,
    path: string,
    value: T | undefined,
    expected: string,
  ): T {
    if (value !== undefined) return value;
    throw new FlinkRestError(
      res.status,
      [`unexpected response, expected ${expected}: ${res.text.slice(0, 300)}`],
      method,
      API_PREFIX + path,
      this.describe(),
    );
  }
}

export function jarRunBody(options: JarRunOptions, flinkVersion: FlinkVersion): object {
  const claimField = isFlinkVersionAtLeast(flinkVersion, "v1_20") ? "claimMode" : "restoreMode";
  return withoutUndefined({
    entryClass: options.entryClass,
    programArgsList: options.programArgsList,
    parallelism: options.parallelism !== undefined && options.parallelism > 0
      ? options.parallelism
      : undefined,
    jobId: options.jobId,
    savepointPath: options.savepointPath,
    allowNonRestoredState: options.allowNonRestoredState,
    [claimField]: options.claimMode ?? "NO_CLAIM",
    flinkConfiguration: isFlinkVersionAtLeast(flinkVersion, "v1_17")
      ? options.flinkConfiguration
      : undefined,
  });
}

function isSuccess(res: RestResponse): boolean {
  return res.status >= 200 && res.status < 300;
}

function seg(value: string): string {
  return encodeURIComponent(value);
}

function basename(path: string): string {
  return path.split(/[/\\]/).filter((p) => p.length > 0).pop() ?? path;
}

function withoutUndefined<T extends Record<string, unknown>>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}
