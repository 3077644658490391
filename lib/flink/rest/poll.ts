/**
 * Polling for Flink's asynchronous operations, whose status endpoints must be asked repeatedly
 * until the operation leaves IN_PROGRESS.
 */
import { FlinkTimeoutError } from "./errors.ts";

export interface PollOptions {
  intervalMs: number;
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
    await sleep(Math.min(opts.intervalMs, remaining), opts.signal);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
