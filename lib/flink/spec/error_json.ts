/**
 * The error document FKO stores in `status.error` (reference §1.8, `FlinkResourceException`):
 *
 *   {"type": "...", "message": "...", "stackTrace"?: "...",
 *    "additionalMetadata": {"httpResponseCode"?: 404, "reason"?: "CrashLoopBackOff",
 *                           "labels"?: ["..."]},
 *    "throwableList": [{"type", "message", "additionalMetadata"}, ...]}
 *
 * Dashboards and alerts written against FKO parse this JSON, so the keys, their order and the
 * "absent rather than null" convention are kept. Every text field passes through
 * {@link redactSecretText} first: status is readable by anyone who can read the resource.
 */
import { redactSecretText } from "./redact_text.ts";

export interface ErrorJsonLimits {
  /** `kubernetes.operator.exception.field.max.length` (type, message, reason). */
  readonly fieldMaxLength: number;
  /** `kubernetes.operator.exception.stacktrace.enabled`. */
  readonly stackTraceEnabled: boolean;
  /** `kubernetes.operator.exception.stacktrace.max.length`. */
  readonly stackTraceMaxLength: number;
  /** `kubernetes.operator.exception.throwable.list.max.count`. */
  readonly throwableListMaxCount: number;
}

/** FKO's defaults for the `kubernetes.operator.exception.*` options. */
export const DEFAULT_ERROR_JSON_LIMITS: ErrorJsonLimits = {
  fieldMaxLength: 2048,
  stackTraceEnabled: false,
  stackTraceMaxLength: 2048,
  throwableListMaxCount: 2,
};

export interface ErrorJsonOptions {
  /** Kubernetes reason of a failed JobManager deployment, e.g. `CrashLoopBackOff`. */
  readonly reason?: string;
  /** HTTP status of a failed Flink REST call; read from a FlinkRestError when not given. */
  readonly httpResponseCode?: number;
  /** Labels to attach as they are. */
  readonly labels?: readonly string[];
  /**
   * `kubernetes.operator.exception.label.mapper`: regex → label; a label is added when its regex
   * matches the message of the error or of any of its causes.
   */
  readonly labelMapper?: Readonly<Record<string, string>>;
  /** Overrides the `type` of the top-level entry (FKO writes Java class names here). */
  readonly type?: string;
  readonly limits?: Partial<ErrorJsonLimits>;
}

export interface ErrorJsonEntry {
  type?: string;
  message?: string;
  stackTrace?: string;
  additionalMetadata: Record<string, unknown>;
}

export interface ErrorJson extends ErrorJsonEntry {
  throwableList: ErrorJsonEntry[];
}

// Our errors that stand for an FKO exception class carry the same simple name; writing the Java
// name keeps `type` matches in existing tooling working.
const FKO_EXCEPTION_PACKAGE = "org.apache.flink.kubernetes.operator.exception.";
const FKO_EXCEPTION_NAMES = new Set([
  "DeploymentFailedException",
  "FlinkResourceException",
  "MissingJobManagerException",
  "MissingSessionJobException",
  "ReconciliationException",
  "RecoveryFailureException",
  "StatusConflictException",
  "UpgradeFailureException",
  "ValidationException",
]);

/** Builds the error document for `error` (any thrown value). */
export function buildErrorJson(error: unknown, options: ErrorJsonOptions = {}): ErrorJson {
  const limits = { ...DEFAULT_ERROR_JSON_LIMITS, ...options.limits };
  const chain = causeChain(error);
  const top = describeThrowable(chain[0], limits, limits.stackTraceEnabled);
  if (options.type !== undefined) top.type = truncate(options.type, limits.fieldMaxLength);

  const httpResponseCode = options.httpResponseCode ?? httpStatusOf(chain[0]);
  if (httpResponseCode !== undefined) top.additionalMetadata.httpResponseCode = httpResponseCode;
  if (options.reason !== undefined && options.reason !== "") {
    top.additionalMetadata.reason = truncate(
      redactSecretText(options.reason),
      limits.fieldMaxLength,
    );
  }
  const labels = collectLabels(chain, options);
  if (labels.length > 0) top.additionalMetadata.labels = labels;

  const causes = chain.slice(1, 1 + Math.max(0, limits.throwableListMaxCount));
  return {
    ...top,
    throwableList: causes.map((cause) => {
      const entry = describeThrowable(cause, limits, false);
      const status = httpStatusOf(cause);
      if (status !== undefined) entry.additionalMetadata.httpResponseCode = status;
      return entry;
    }),
  };
}

/** The string to store in `status.error`. */
export function serializeErrorJson(error: unknown, options: ErrorJsonOptions = {}): string {
  const document = buildErrorJson(error, options);
  // Fixed key order, absent keys left out: what FKO's Jackson mapper produces.
  return JSON.stringify({
    type: document.type,
    message: document.message,
    stackTrace: document.stackTrace,
    additionalMetadata: document.additionalMetadata,
    throwableList: document.throwableList.map((entry) => ({
      type: entry.type,
      message: entry.message,
      stackTrace: entry.stackTrace,
      additionalMetadata: entry.additionalMetadata,
    })),
  });
}

/**
 * The human-readable message of a `status.error` value: the `message` of an error document, or
 * the value itself when it is plain text (FKO also stores plain strings, e.g. "Job Not Found").
 */
export function errorMessageOf(statusError: string | undefined): string | undefined {
  if (statusError === undefined || statusError === "") return undefined;
  const trimmed = statusError.trim();
  if (!trimmed.startsWith("{")) return statusError;
  try {
    const parsed: unknown = JSON.parse(trimmed);
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
      const { message, type } = parsed as { message?: unknown; type?: unknown };
      if (typeof message === "string" && message !== "") return message;
      if (typeof type === "string" && type !== "") return type;
    }
  } catch {
    // Not JSON after all: the text is the message.
  }
  return statusError;
}

function describeThrowable(
  throwable: unknown,
  limits: ErrorJsonLimits,
  withStackTrace: boolean,
): ErrorJsonEntry {
  const entry: ErrorJsonEntry = { additionalMetadata: {} };
  const type = typeNameOf(throwable);
  if (type !== undefined) entry.type = truncate(type, limits.fieldMaxLength);
  const message = messageOf(throwable);
  if (message !== undefined) {
    entry.message = truncate(redactSecretText(message), limits.fieldMaxLength);
  }
  if (withStackTrace && throwable instanceof Error && throwable.stack !== undefined) {
    entry.stackTrace = truncate(redactSecretText(throwable.stack), limits.stackTraceMaxLength);
  }
  return entry;
}

/** The error followed by its `cause`s, without cycles. */
function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current !== undefined && current !== null && !seen.has(current)) {
    chain.push(current);
    seen.add(current);
    current = current instanceof Error ? current.cause : undefined;
  }
  return chain.length > 0 ? chain : [error];
}

function typeNameOf(throwable: unknown): string | undefined {
  if (throwable instanceof Error) {
    const name = throwable.name || throwable.constructor.name || "Error";
    return FKO_EXCEPTION_NAMES.has(name) ? FKO_EXCEPTION_PACKAGE + name : name;
  }
  return throwable === undefined || throwable === null ? undefined : typeof throwable;
}

function messageOf(throwable: unknown): string | undefined {
  if (throwable instanceof Error) return throwable.message === "" ? undefined : throwable.message;
  if (throwable === undefined || throwable === null) return undefined;
  return typeof throwable === "string" ? throwable : String(throwable);
}

// FKO records the HTTP code of failed Flink REST calls only (RestClientException).
function httpStatusOf(throwable: unknown): number | undefined {
  if (!(throwable instanceof Error) || throwable.name !== "FlinkRestError") return undefined;
  const status = (throwable as { status?: unknown }).status;
  return typeof status === "number" ? status : undefined;
}

function collectLabels(chain: readonly unknown[], options: ErrorJsonOptions): string[] {
  const labels = [...(options.labels ?? [])];
  for (const [pattern, label] of Object.entries(options.labelMapper ?? {})) {
    let regex: RegExp;
    try {
      regex = new RegExp(pattern, "s");
    } catch {
      continue; // An invalid mapper entry must not hide the error being recorded.
    }
    const matches = chain.some((throwable) => {
      const message = messageOf(throwable);
      return message !== undefined && regex.test(message);
    });
    if (matches && !labels.includes(label)) labels.push(label);
  }
  return labels;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, Math.max(0, max));
}
