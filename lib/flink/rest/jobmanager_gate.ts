/**
 * Bounds what any one JobManager can hold of the operator. Every REST request goes through the
 * gate of its JobManager (its host): at most `maxInFlight` requests to one JobManager at a time,
 * more wait their turn within their own deadline. A JobManager that stopped answering (every
 * request in flight overdue, no answer for a while) gets no further requests queued: they fail
 * at once as unreachable, so their passes end, release their reconcile slots and are retried
 * with backoff, instead of a hanging session cluster with fifty session jobs occupying fifty
 * slots until each request times out. The requests already in flight run to their timeout.
 *
 * The operator makes one gate at start and hands it to its controllers (controllers.ts), so one
 * bound holds per JobManager whichever controller asks; it also counts the requests for
 * `/metrics`. A client built without a gate (CLI, tests) sends directly.
 */
import { FlinkTimeoutError, FlinkUnreachableError } from "./errors.ts";

export interface JobManagerGateOptions {
  /** Requests in flight to one JobManager at a time. */
  maxInFlight: number;
  /**
   * A JobManager is stalled once none of its requests in flight has been answered within this
   * long and nothing else it was asked was answered either.
   */
  stallMs: number;
}

export const DEFAULT_GATE_OPTIONS: Readonly<JobManagerGateOptions> = {
  maxInFlight: 4,
  stallMs: 5_000,
};

export type RequestOutcome = "answered" | "unreachable" | "timeout" | "aborted" | "rejected";

interface InFlight {
  /** When the request is overdue (it started plus min(stallMs, its timeout), or more for long calls). */
  overdueAt: number;
}

interface Waiter {
  /** Hands the turn over: the request's entry is in flight from this moment. */
  resolve: (entry: InFlight) => void;
  reject: (err: Error) => void;
  expectedMs: number;
  what: string;
}

interface HostState {
  readonly inFlight: Set<InFlight>;
  readonly waiters: Waiter[];
  /** Last time the JobManager answered anything (any HTTP status). */
  lastAnswerAt: number;
  stallCheck?: ReturnType<typeof setTimeout>;
}

export interface GatedCall {
  /** The JobManager: its base URL or service, as the transport describes it. */
  host: string;
  /** The request's whole budget, waiting for a turn included. */
  timeoutMs: number;
  /**
   * How long the request may run before it counts as overdue; calls that are long by nature
   * (jar upload and run, cancel) pass their timeout. Default min(stallMs, timeoutMs).
   */
  expectedMs?: number;
  signal?: AbortSignal;
  /** Names the request in errors, e.g. "GET /v1/jobs/overview". */
  what: string;
}

export class JobManagerGate {
  readonly #hosts = new Map<string, HostState>();
  readonly #outcomes = new Map<RequestOutcome, number>();
  #options: JobManagerGateOptions;

  constructor(
    options: Partial<JobManagerGateOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.#options = { ...DEFAULT_GATE_OPTIONS, ...options };
    if (!(this.#options.maxInFlight >= 1)) throw new Error("maxInFlight must be at least 1");
  }

  get options(): Readonly<JobManagerGateOptions> {
    return this.#options;
  }

  /** Requests by outcome since the start (the operator's `/metrics`). */
  count(outcome: RequestOutcome): number {
    return this.#outcomes.get(outcome) ?? 0;
  }

  /** Requests in flight to all JobManagers. */
  get inFlight(): number {
    let n = 0;
    for (const state of this.#hosts.values()) n += state.inFlight.size;
    return n;
  }

  /** Requests waiting for a turn, all JobManagers. */
  get waiting(): number {
    let n = 0;
    for (const state of this.#hosts.values()) n += state.waiters.length;
    return n;
  }

  /**
   * Runs `send` when the JobManager has a free turn, with the budget left. `send` resolves when
   * the JobManager answered (any status) and rejects with FlinkUnreachableError or
   * FlinkTimeoutError when it did not.
   */
  async run<T>(call: GatedCall, send: (remainingMs: number) => Promise<T>): Promise<T> {
    const started = this.now();
    const state = this.#state(call.host);
    const expectedMs = call.expectedMs ?? Math.min(this.#options.stallMs, call.timeoutMs);
    let entry: InFlight;
    if (state.inFlight.size < this.#options.maxInFlight) {
      entry = { overdueAt: started + expectedMs };
      state.inFlight.add(entry);
    } else {
      try {
        entry = await this.#turn(state, call, expectedMs);
      } catch (err) {
        this.#count("rejected");
        this.#release(call.host, state);
        throw err;
      }
    }
    const remainingMs = Math.max(1, call.timeoutMs - (this.now() - started));
    try {
      const answer = await send(remainingMs);
      state.lastAnswerAt = this.now();
      this.#count("answered");
      return answer;
    } catch (err) {
      this.#count(
        err instanceof FlinkTimeoutError
          ? "timeout"
          : err instanceof FlinkUnreachableError
          ? "unreachable"
          : "aborted",
      );
      throw err;
    } finally {
      state.inFlight.delete(entry);
      this.#release(call.host, state);
    }
  }

  /** Whether the JobManager is stalled: everything in flight overdue, no answer meanwhile. */
  stalled(host: string): boolean {
    const state = this.#hosts.get(host);
    return state !== undefined && this.#isStalled(state);
  }

  #isStalled(state: HostState): boolean {
    if (state.inFlight.size === 0) return false;
    const now = this.now();
    if (now - state.lastAnswerAt < this.#options.stallMs) return false;
    for (const entry of state.inFlight) if (entry.overdueAt > now) return false;
    return true;
  }

  #state(host: string): HostState {
    let state = this.#hosts.get(host);
    if (!state) {
      state = { inFlight: new Set(), waiters: [], lastAnswerAt: 0 };
      this.#hosts.set(host, state);
    }
    return state;
  }

  /** Waits for a free turn; fails at the deadline, on abort, or when the JobManager stalls. */
  #turn(state: HostState, call: GatedCall, expectedMs: number): Promise<InFlight> {
    if (this.#isStalled(state)) throw this.#stalledError(state, call.what, call.host);
    return new Promise<InFlight>((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        call.signal?.removeEventListener("abort", onAbort);
        const i = state.waiters.indexOf(waiter);
        if (i >= 0) state.waiters.splice(i, 1);
      };
      const waiter: Waiter = {
        resolve: (entry) => {
          cleanup();
          resolve(entry);
        },
        reject: (err) => {
          cleanup();
          reject(err);
        },
        expectedMs,
        what: call.what,
      };
      const timer = setTimeout(
        () => waiter.reject(new FlinkTimeoutError(call.what, call.timeoutMs, call.host)),
        call.timeoutMs,
      );
      const onAbort = () => waiter.reject(call.signal!.reason ?? new Error("aborted"));
      if (call.signal?.aborted) return onAbort();
      call.signal?.addEventListener("abort", onAbort, { once: true });
      state.waiters.push(waiter);
      this.#scheduleStallCheck(state, call.host);
    });
  }

  /** Rejects the waiters once the requests ahead of them are overdue and nothing answered. */
  #scheduleStallCheck(state: HostState, host: string): void {
    if (state.stallCheck !== undefined || state.inFlight.size === 0) return;
    let at = state.lastAnswerAt + this.#options.stallMs;
    for (const entry of state.inFlight) at = Math.max(at, entry.overdueAt);
    state.stallCheck = setTimeout(() => {
      state.stallCheck = undefined;
      if (state.waiters.length === 0) return;
      if (this.#isStalled(state)) {
        for (const w of [...state.waiters]) w.reject(this.#stalledError(state, w.what, host));
      } else {
        this.#scheduleStallCheck(state, host);
      }
    }, Math.max(10, at - this.now()));
    Deno.unrefTimer(state.stallCheck);
  }

  #stalledError(state: HostState, what: string, host: string): FlinkUnreachableError {
    return new FlinkUnreachableError(
      `${what} not sent: the JobManager has not answered the ${state.inFlight.size} ` +
        `request(s) in flight to it for over ${this.#options.stallMs} ms`,
      host,
    );
  }

  #release(host: string, state: HostState): void {
    while (state.waiters.length > 0 && state.inFlight.size < this.#options.maxInFlight) {
      const next = state.waiters[0];
      const entry: InFlight = { overdueAt: this.now() + next.expectedMs };
      state.inFlight.add(entry);
      next.resolve(entry);
    }
    if (state.inFlight.size === 0 && state.waiters.length === 0) {
      if (state.stallCheck !== undefined) clearTimeout(state.stallCheck);
      this.#hosts.delete(host);
    }
  }

  #count(outcome: RequestOutcome): void {
    this.#outcomes.set(outcome, (this.#outcomes.get(outcome) ?? 0) + 1);
  }
}
