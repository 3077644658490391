/**
 * Polling for Flink's asynchronous operations, whose status endpoints must be asked repeatedly
 * until the operation leaves IN_PROGRESS.
 */
import { sleep } from "../../runtime/backoff.ts";
import { FlinkTimeoutError } from "./errors.ts";

export interface PollOptions {
  /** Pause after the first poll. */
  intervalMs: number;
  /**
   * With it, the pause doubles after each poll up to this: an operation that is quick is seen
   * done at once, a slow one is not asked too often. Default: a fixed `intervalMs`.
   */
  maxIntervalMs?: number;
  /** Overall budget; the last poll happens at the deadline, then FlinkTimeoutError. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Names the operation in the timeout error, e.g. "savepoint 1a2b… of job 00ff…". */
  what?: string;
  /**
   * Errors for which polling goes on instead of failing (e.g. one status call timing out while
   * the JobManager is busy finishing a savepoint). Default: every error fails the poll.
   */
  retryOn?: (err: unknown) => boolean;
}

/** Calls `poll` until it returns something other than undefined, and returns that. */
export async function pollUntilDone<T>(
  poll: () => Promise<T | undefined>,
  opts: PollOptions,
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let interval = opts.intervalMs;
  while (true) {
    opts.signal?.throwIfAborted();
    try {
      const result = await poll();
      if (result !== undefined) return result;
    } catch (err) {
      if (opts.signal?.aborted || !opts.retryOn?.(err)) throw err;
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new FlinkTimeoutError(opts.what ?? "operation", opts.timeoutMs);
    // Returns early on abort; the next turn of the loop then throws the abort reason.
    await sleep(Math.min(interval, remaining), opts.signal);
    interval = Math.min(interval * 2, Math.max(opts.intervalMs, opts.maxIntervalMs ?? 0));
  }
}
