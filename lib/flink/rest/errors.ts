/**
 * The three ways a Flink REST call can fail. Callers branch on them: an answer from Flink
 * (FlinkRestError) is a fact about the job; no answer (unreachable, timeout) only says that the
 * JobManager could not be asked right now.
 */

/** Flink answered with a non-2xx status; `errors` is Flink's `{"errors": [...]}` list. */
export class FlinkRestError extends Error {
  constructor(
    readonly status: number,
    readonly errors: string[],
    readonly method: string,
    readonly path: string,
    readonly via: string,
  ) {
    super(
      `Flink REST ${method} ${path} via ${via} failed with HTTP ${status}: ${summarize(errors)}`,
    );
    this.name = "FlinkRestError";
  }

  /** True when any of Flink's error strings contains `text` (case-insensitive). */
  mentions(text: string): boolean {
    const needle = text.toLowerCase();
    return this.errors.some((e) => e.toLowerCase().includes(needle));
  }
}

/** No HTTP answer from Flink: refused, DNS, no ready endpoint, API-server proxy could not dial. */
export class FlinkUnreachableError extends Error {
  constructor(message: string, readonly via: string, override readonly cause?: unknown) {
    super(`${message} (via ${via})${cause === undefined ? "" : `: ${describeCause(cause)}`}`);
    this.name = "FlinkUnreachableError";
  }
}

/** Flink did not answer within the call's timeout. */
export class FlinkTimeoutError extends Error {
  constructor(readonly what: string, readonly timeoutMs: number, readonly via?: string) {
    super(`${what} did not complete within ${timeoutMs} ms${via ? ` (via ${via})` : ""}`);
    this.name = "FlinkTimeoutError";
  }
}

/**
 * Flink answered that it does not know the job: a 404, or — where the handler passes the
 * Dispatcher's exception on, as `GET /jobs/:id/status` does — a 500 naming
 * FlinkJobNotFoundException (Flink 1.20 and 2.x: "Could not find Flink job (<id>)").
 */
export function isJobNotFound(err: unknown): boolean {
  if (!(err instanceof FlinkRestError)) return false;
  return err.status === 404 || err.mentions("FlinkJobNotFoundException");
}

/** The JobManager could not be asked (as opposed to having answered with an error). */
export function isFlinkUnavailable(err: unknown): boolean {
  return err instanceof FlinkUnreachableError || err instanceof FlinkTimeoutError;
}

/**
 * Flink puts whole Java stack traces into `errors`; a log line only needs the first line of each,
 * and Flink's generic "Internal server error." is noise when a real cause follows it.
 */
function summarize(errors: string[]): string {
  const lines = errors
    .map((e) => e.replace(/^<Exception on server side:\s*/, "").split("\n")[0].trim())
    .filter((l) => l.length > 0);
  const useful = lines.length > 1 ? lines.filter((l) => l !== "Internal server error.") : lines;
  const text = useful.join("; ") || "(no error message)";
  return text.length > 500 ? `${text.slice(0, 497)}...` : text;
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = (cause as { cause?: unknown }).cause;
    return inner instanceof Error ? `${cause.message} (${inner.message})` : cause.message;
  }
  return String(cause);
}
