/**
 * A job seen FAILED (FKO JobStatusObserver.recordJobErrorIfPresent): its failure from
 * `GET /jobs/:id/execution-result` into `status.error` and a Warning `Error` event. The error
 * document carries Flink's exception chain: the failure's class as `type`, its causes in
 * `throwableList` (up to `exception.throwable.list.max.count`), and the labels of
 * `exception.label.mapper` whose pattern matches any message of the chain.
 */
import type { FlinkRestClient } from "../rest/client.ts";
import { parseJavaStackTrace } from "../rest/java_throwable.ts";
import { serializeErrorJson } from "../spec/error_json.ts";
import { errorJsonOptions } from "./error_options.ts";
import { event, type ResourcePass } from "./resource_pass.ts";

/** The class FKO's status shows when Flink says nothing more about a failure. */
const JOB_EXCEPTION = "org.apache.flink.runtime.JobException";

export async function recordJobFailure(
  p: ResourcePass,
  client: FlinkRestClient,
  jobId: string,
): Promise<void> {
  const result = await client.executionResult(jobId).catch(() => undefined);
  const failure = result?.state === "COMPLETED" ? result.failure : undefined;
  const stackTrace = result?.state === "COMPLETED" ? result.stackTrace : undefined;
  const summary = failure ? withRootCause(failure, stackTrace) : "the job failed";
  const chain = stackTrace ? parseJavaStackTrace(stackTrace) : [];
  p.status.error = serializeErrorJson(
    errorChain(summary, chain, stackTrace),
    errorJsonOptions(p),
  );
  await event(p, { type: "Warning", reason: "Error", message: summary, component: "Job" });
}

/**
 * The failure as an Error whose `cause`s are Flink's causes, named after their Java classes. As
 * in FKO, which records the job result's SerializedThrowable, the message is the failure's own
 * (its class is the `type`; the root cause is appended as in `summary`), and the stack trace
 * (with `exception.stacktrace.enabled`) is Flink's.
 */
function errorChain(
  summary: string,
  chain: { className: string; message: string }[],
  stackTrace: string | undefined,
): Error {
  const top = new Error(chain[0]?.message ? withRootCause(chain[0].message, stackTrace) : summary);
  top.name = chain[0]?.className ?? JOB_EXCEPTION;
  if (stackTrace) top.stack = stackTrace;
  let current = top;
  for (const link of chain.slice(1)) {
    const cause = new Error(link.message);
    cause.name = link.className;
    current.cause = cause;
    current = cause;
  }
  return top;
}

/**
 * Flink's top-level failure ("Could not start the JobMaster") rarely says what to fix; the
 * innermost "Caused by" of its stack trace (e.g. a missing savepoint path) usually does.
 */
export function withRootCause(message: string, stackTrace: string | undefined): string {
  const causes = (stackTrace ?? "").split("\n")
    .map((line) => line.trim())
    .filter((line) => line.startsWith("Caused by:"));
  const root = causes.at(-1)?.slice("Caused by:".length).trim();
  return root && !message.includes(root) ? `${message} (root cause: ${root})` : message;
}
