/**
 * Flink's asynchronous operations (savepoints, stop, checkpoints, disposal, execution result):
 * a trigger answers `{"request-id"}` and the status endpoint answers
 * `{"status": {"id": "IN_PROGRESS"|"COMPLETED"}, "operation": {...}}`. COMPLETED only means the
 * operation ended; whether it succeeded is in `operation`.
 */
import { asObject, type JsonObject, objectField, stringField } from "./json_reader.ts";

/** A failed operation's cause, reduced to what status fields and events can show. */
export interface FailureCause {
  /** One line: `ExceptionClass: message`. */
  message: string;
  /** Full Java stack trace when Flink sent one. */
  stackTrace?: string;
}

export type OperationProgress =
  | { done: false }
  | { done: true; operation: JsonObject };

export function readOperation(json: unknown): OperationProgress | undefined {
  const body = asObject(json);
  const state = stringField(objectField(body, "status"), "id");
  if (state === "IN_PROGRESS") return { done: false };
  if (state === "COMPLETED") return { done: true, operation: objectField(body, "operation") ?? {} };
  return undefined;
}

/**
 * Reads Flink's serialized throwable (`{"class", "stack-trace", "serialized-throwable"}`, newer
 * versions add `message`). The first stack-trace line already reads `Class: message`, which is
 * the most informative one-liner across versions.
 */
export function readFailureCause(raw: unknown): FailureCause | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === "string") return { message: firstLine(raw) || raw, stackTrace: raw };
  const cause = asObject(raw);
  if (!cause) return { message: String(raw) };
  const stackTrace = stringField(cause, "stack-trace") ?? stringField(cause, "stackTrace");
  const className = stringField(cause, "class");
  const message = stringField(cause, "message");
  const summary = (stackTrace && firstLine(stackTrace)) ||
    (className && message ? `${className}: ${message}` : message ?? className) ||
    "unknown failure";
  return stackTrace ? { message: summary, stackTrace } : { message: summary };
}

/**
 * A fresh 32-hex trigger id. Sending our own id lets a retried trigger (after a timeout, say)
 * find the operation the first attempt started instead of starting a second one.
 */
export function newTriggerId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function firstLine(text: string): string {
  return text.split("\n").map((l) => l.trim()).find((l) => l.length > 0) ?? "";
}

/** A completed operation that failed. */
export interface OperationFailed {
  state: "FAILED";
  failure: string;
  stackTrace?: string;
}

export interface InProgress {
  state: "IN_PROGRESS";
}

export type SavepointStatus =
  | InProgress
  | { state: "COMPLETED"; location: string }
  | OperationFailed;

export type CheckpointTriggerStatus =
  | InProgress
  | { state: "COMPLETED"; checkpointId: number }
  | OperationFailed;

export type DisposalStatus = InProgress | { state: "COMPLETED" } | OperationFailed;

export type ExecutionResult = InProgress | {
  state: "COMPLETED";
  /** Flink's ApplicationStatus: SUCCEEDED, FAILED, CANCELED or UNKNOWN. */
  applicationStatus?: string;
  netRuntimeMs?: number;
  /** Present when the job failed. */
  failure?: string;
  stackTrace?: string;
};

/**
 * Savepoint and stop-with-savepoint status. COMPLETED with neither a location nor a failure is
 * still pending, as FKO treats it.
 */
export function readSavepointStatus(json: unknown): SavepointStatus | undefined {
  const progress = readOperation(json);
  if (!progress) return undefined;
  if (!progress.done) return { state: "IN_PROGRESS" };
  const failed = failedWith(progress.operation["failure-cause"]);
  if (failed) return failed;
  const location = stringField(progress.operation, "location");
  return location ? { state: "COMPLETED", location } : { state: "IN_PROGRESS" };
}

/** Checkpoint trigger status; this endpoint spells its fields in camelCase. */
export function readCheckpointTriggerStatus(json: unknown): CheckpointTriggerStatus | undefined {
  const progress = readOperation(json);
  if (!progress) return undefined;
  if (!progress.done) return { state: "IN_PROGRESS" };
  const failed = failedWith(
    progress.operation["failureCause"] ?? progress.operation["failure-cause"],
  );
  if (failed) return failed;
  const id = progress.operation["checkpointId"];
  return typeof id === "number"
    ? { state: "COMPLETED", checkpointId: id }
    : { state: "IN_PROGRESS" };
}

export function readDisposalStatus(json: unknown): DisposalStatus | undefined {
  const progress = readOperation(json);
  if (!progress) return undefined;
  if (!progress.done) return { state: "IN_PROGRESS" };
  return failedWith(progress.operation["failure-cause"]) ?? { state: "COMPLETED" };
}

/** `GET /jobs/:id/execution-result`, whose result sits in `job-execution-result`. */
export function readExecutionResult(json: unknown): ExecutionResult | undefined {
  const body = asObject(json);
  const state = stringField(objectField(body, "status"), "id");
  if (state === "IN_PROGRESS") return { state: "IN_PROGRESS" };
  if (state !== "COMPLETED") return undefined;
  const result = objectField(body, "job-execution-result");
  const out: ExecutionResult = { state: "COMPLETED" };
  const applicationStatus = stringField(result, "application-status");
  if (applicationStatus !== undefined) out.applicationStatus = applicationStatus;
  const netRuntime = result?.["net-runtime"];
  if (typeof netRuntime === "number") out.netRuntimeMs = netRuntime;
  const cause = readFailureCause(result?.["failure-cause"]);
  if (cause) {
    out.failure = cause.message;
    if (cause.stackTrace) out.stackTrace = cause.stackTrace;
  }
  return out;
}

function failedWith(raw: unknown): OperationFailed | undefined {
  const cause = readFailureCause(raw);
  if (!cause) return undefined;
  return cause.stackTrace
    ? { state: "FAILED", failure: cause.message, stackTrace: cause.stackTrace }
    : { state: "FAILED", failure: cause.message };
}
