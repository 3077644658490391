/**
 * How long simulated Flink activities take. Real Flink needs seconds for most of these; the
 * defaults are short so tests stay fast but long enough that a client has to poll.
 */
export interface SimTimings {
  /** JobManager process start until the REST endpoint listens. */
  jobManagerStartMs: number;
  /** Job submission until RUNNING (INITIALIZING for the first half, CREATED for the second). */
  jobStartMs: number;
  /** Duration of one savepoint (also stop-with-savepoint). */
  savepointMs: number;
  /** Duration of one checkpoint, periodic or triggered. */
  checkpointMs: number;
  /** CANCELLING until CANCELED. */
  cancelMs: number;
  /** RESTARTING until RUNNING again after a failover. */
  restartMs: number;
  /** Savepoint disposal. */
  disposalMs: number;
  /** The job's counter grows by one per this much RUNNING time. */
  counterTickMs: number;
  /** How often fault-injection annotations are re-read, shared by all simulated processes. */
  faultPollMs: number;
  /** How long results of asynchronous REST operations stay queryable (rest.async.store-duration). */
  operationRetentionMs: number;
}

export const DEFAULT_SIM_TIMINGS: Readonly<SimTimings> = Object.freeze({
  jobManagerStartMs: 100,
  jobStartMs: 300,
  savepointMs: 300,
  checkpointMs: 200,
  cancelMs: 200,
  restartMs: 500,
  disposalMs: 100,
  counterTickMs: 100,
  faultPollMs: 1000,
  operationRetentionMs: 5 * 60_000,
});

export function resolveTimings(overrides: Partial<SimTimings> = {}): SimTimings {
  const timings = { ...DEFAULT_SIM_TIMINGS, ...overrides };
  for (const [key, value] of Object.entries(timings)) {
    if (!Number.isFinite(value) || value < 0) {
      throw new Error(`SimTimings.${key} must be a non-negative number, got ${value}`);
    }
  }
  // A zero tick would make the counter infinite.
  if (timings.counterTickMs === 0) timings.counterTickMs = 1;
  if (timings.faultPollMs === 0) timings.faultPollMs = 1;
  return timings;
}
