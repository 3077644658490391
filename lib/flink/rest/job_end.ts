/** Waiting for a job to end, e.g. after a cancel request. */
import { isGloballyTerminal } from "../../api/enums.ts";
import type { FlinkRestClient } from "./client.ts";
import { isJobNotFound } from "./errors.ts";
import { type PollOptions, pollUntilDone } from "./poll.ts";

/**
 * Polls `GET /jobs/:id/status` (not cached by Flink) until the job is globally terminal and
 * returns that state — or undefined when Flink no longer knows the job (real Flink answers that
 * with a 500 naming FlinkJobNotFoundException, not a 404: see isJobNotFound). Other errors and
 * the deadline (FlinkTimeoutError) are thrown as pollUntilDone throws them.
 */
export async function awaitJobEnd(
  client: FlinkRestClient,
  jobId: string,
  opts: PollOptions,
): Promise<string | undefined> {
  const ended = await pollUntilDone(async () => {
    let state: string;
    try {
      state = await client.jobStatus(jobId, { signal: opts.signal });
    } catch (err) {
      if (isJobNotFound(err)) return { state: undefined };
      throw err;
    }
    return isGloballyTerminal(state) ? { state } : undefined;
  }, opts);
  return ended.state;
}
