/**
 * What a refused jar run means. When the job fails while it starts (a savepoint that does not
 * exist, a job graph it cannot restore), the program's `execute()` fails with it and Flink answers
 * `POST /jars/:id/run` with 400 "Could not execute application." — the reason is the innermost
 * `Caused by:` of the stack trace in `errors[0]`, several layers down. The job id stays known to
 * the cluster as a FAILED job (measured on Flink 1.20 and 2.2).
 */
import { FlinkRestError } from "./errors.ts";
import { parseJavaStackTrace } from "./java_throwable.ts";

/** The Java class FKO's status names for a failed jar run (it wraps it in this). */
const FLINK_RUNTIME_EXCEPTION = "org.apache.flink.util.FlinkRuntimeException";

/**
 * For a 400 from the jar run: an error whose message says that the job could not be started and
 * why, root cause included, with the REST error as its cause. Anything else is returned as is.
 */
export function jarRunRefusal(err: unknown, what: { jobId?: string; cluster: string }): unknown {
  if (!(err instanceof FlinkRestError) || err.status !== 400) return err;
  const trace = err.errors[0] ?? "";
  const chain = parseJavaStackTrace(trace);
  const headline = chain[0]?.message || trace.split("\n")[0].trim() || `HTTP ${err.status}`;
  const root = chain.length > 1 ? chain.at(-1) : undefined;
  const because = root ? ` (root cause: ${root.className}: ${root.message})` : "";
  const job = what.jobId ? `job ${what.jobId}` : "the job";
  const refusal = new Error(
    `Session cluster ${what.cluster} could not start ${job}: ${headline}${because}`,
    { cause: err },
  );
  refusal.name = FLINK_RUNTIME_EXCEPTION;
  return refusal;
}
