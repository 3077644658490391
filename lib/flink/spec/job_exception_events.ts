/**
 * What a `JobException` event says about one entry of a job's exception history, and which
 * entries a pass reports (FKO JobStatusObserver.observeJobManagerExceptions). Pure functions; the
 * observation itself is lib/flink/job/job_exceptions.ts.
 */
import type { JobExceptionEntry } from "../rest/exception_history.ts";
import { javaStringHash } from "../../runtime/events.ts";

/** Annotation carrying the reported exception's time (FKO `exception-timestamp`). */
export const EXCEPTION_TIMESTAMP_ANNOTATION = "exception-timestamp";

/**
 * Exceptions older than this when the operator (re)starts are taken as reported: Kubernetes keeps
 * events for about an hour, and FKO looks back 30 minutes.
 */
export const MAX_EVENT_AGE_MS = 30 * 60 * 1000;

/**
 * The event message: the first `maxLines` lines of the stack trace, then `... (N more lines)`
 * when there are more. Java's `split("\n")` drops trailing empty lines, so this does too.
 */
export function exceptionEventMessage(stacktrace: string | undefined, maxLines: number): string {
  if (stacktrace === undefined || stacktrace.trim() === "") return "";
  const lines = stacktrace.split("\n");
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  let message = "";
  for (let i = 0; i < Math.min(maxLines, lines.length); i++) message += `${lines[i]}\n`;
  if (lines.length > maxLines) message += `... (${lines.length - maxLines} more lines)`;
  return javaTrim(message);
}

/**
 * The key the event is deduplicated on (and named after): FKO's
 * `"jobmanager-exception-" + Integer.toHexString(Objects.hash(message))`, so the same exception
 * text counts up one event, also one FKO wrote.
 */
export function exceptionEventKey(message: string): string {
  const objectsHash = (31 + javaStringHash(message)) | 0;
  return `jobmanager-exception-${(objectsHash >>> 0).toString(16)}`;
}

/**
 * The event's annotations: the exception's time, and where it happened when Flink says so
 * (`task-name`, `endpoint`, `tm-id`, `failure-label-<key>`), sanitised like FKO's
 * K8sAnnotationsSanitizer (invalid keys dropped; control characters removed, line breaks and tabs
 * turned into spaces).
 */
export function exceptionEventAnnotations(entry: JobExceptionEntry): Record<string, string> {
  const raw: Record<string, string> = {
    [EXCEPTION_TIMESTAMP_ANNOTATION]: javaInstantText(entry.timestamp),
  };
  if (entry.taskName !== undefined) raw["task-name"] = entry.taskName;
  if (entry.endpoint !== undefined) raw["endpoint"] = entry.endpoint;
  if (entry.taskManagerId !== undefined) raw["tm-id"] = entry.taskManagerId;
  for (const [key, value] of Object.entries(entry.failureLabels)) {
    raw[`failure-label-${key}`] = value;
  }
  const sanitized: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (isValidAnnotationKey(key)) sanitized[key] = sanitizeAnnotationValue(value);
  }
  return sanitized;
}

/**
 * The entries to report, newest first: those newer than `lastReported` (epoch ms; -Infinity when
 * nothing of this job was reported), at most `limit`. `truncated` says that newer entries beyond
 * the limit were left out, which FKO only logs.
 */
export function exceptionsToReport(
  entries: readonly JobExceptionEntry[],
  lastReported: number,
  limit: number,
): { report: JobExceptionEntry[]; truncated: boolean } {
  const newer = newestFirst(entries).filter((e) => e.timestamp > lastReported);
  const report = newer.slice(0, Math.max(0, limit));
  return { report, truncated: newer.length > report.length };
}

export function newestFirst(entries: readonly JobExceptionEntry[]): JobExceptionEntry[] {
  return [...entries].sort((a, b) => b.timestamp - a.timestamp);
}

/**
 * Where reporting starts when nothing is remembered (a new operator process): nothing was
 * reported when the job has no exceptions; exceptions older than {@link MAX_EVENT_AGE_MS} count as
 * reported; otherwise the newest `exception-timestamp` of the resource's JobException events, or,
 * without any, everything within the last {@link MAX_EVENT_AGE_MS}.
 */
export function initialCursor(
  newestException: number | undefined,
  now: number,
  lastReportedFromEvents: () => Promise<number | undefined>,
): Promise<number> {
  if (newestException === undefined) return Promise.resolve(-Infinity);
  const expiry = now - MAX_EVENT_AGE_MS;
  if (newestException < expiry) return Promise.resolve(newestException);
  return lastReportedFromEvents().then((ts) => ts ?? expiry);
}

/** The newest reported exception time among JobException events (FKO findLastJobExceptionTsFromK8s). */
export function lastReportedException(
  events: readonly {
    reason?: string;
    metadata?: { annotations?: Record<string, string>; creationTimestamp?: string };
  }[],
): number | undefined {
  let newest: number | undefined;
  for (const e of events) {
    if (e.reason !== "JobException") continue;
    const text = e.metadata?.annotations?.[EXCEPTION_TIMESTAMP_ANNOTATION] ??
      e.metadata?.creationTimestamp;
    const ts = text === undefined ? Number.NaN : Date.parse(text);
    if (Number.isFinite(ts) && (newest === undefined || ts > newest)) newest = ts;
  }
  return newest;
}

/** Java's `Instant.toString()` of epoch milliseconds: ISO-8601, without `.000`. */
export function javaInstantText(ms: number): string {
  return new Date(ms).toISOString().replace(".000Z", "Z");
}

const NAME = /^[a-zA-Z0-9]([a-zA-Z0-9_.-]*[a-zA-Z0-9])?$/;
const DNS_LABEL = /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;

function isValidAnnotationKey(key: string): boolean {
  if (key === "") return false;
  const slash = key.indexOf("/");
  if (slash < 0) return isValidName(key);
  const prefix = key.slice(0, slash);
  const name = key.slice(slash + 1);
  if (prefix.length > 253 || prefix.endsWith(".")) return false;
  const labels = prefix.split(".");
  return labels.every((l) => l.length > 0 && l.length <= 63 && DNS_LABEL.test(l)) &&
    isValidName(name);
}

function isValidName(name: string): boolean {
  return name.length <= 63 && NAME.test(name);
}

function sanitizeAnnotationValue(value: string): string {
  return javaTrim(value)
    // deno-lint-ignore no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, "")
    .replace(/[\r\n\t]+/g, " ");
}

/** Java's `String.trim()`: strips every character up to U+0020 at both ends. */
function javaTrim(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && text.charCodeAt(start) <= 0x20) start++;
  while (end > start && text.charCodeAt(end - 1) <= 0x20) end--;
  return text.slice(start, end);
}
