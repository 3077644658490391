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
   * With it, the pause grows with the time already waited (a fifth of it) up to this: a quick
   * operation is seen done moments after it is, a slow one is not asked too often, and the delay
   * added to any operation stays within about a fifth of its duration. Default: a fixed
   * `intervalMs`.
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
  const started = Date.now();
  const deadline = started + opts.timeoutMs;
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
    const grown = Math.min(opts.maxIntervalMs ?? 0, (Date.now() - started) / 5);
    // Returns early on abort; the next turn of the loop then throws the abort reason.
    await sleep(Math.min(Math.max(opts.intervalMs, grown), remaining), opts.signal);
  }
}
