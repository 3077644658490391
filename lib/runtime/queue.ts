import { backoffDelay, type BackoffPolicy, MAX_TIMER_MS } from "./backoff.ts";
import { type RateLimit, RateLimiter } from "./rate_limiter.ts";

/**
 * Reconcile slots that several work queues share, so a limit holds across all controllers (FKO's
 * `reconcile.parallelism` sizes the one reconciler thread pool of all its controllers). A queue
 * takes a slot per pass it runs; a slot given back wakes every queue that shares them.
 */
export class SharedSlots {
  #used = 0;
  readonly #wakers = new Set<() => void>();

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new Error("concurrency must be at least 1");
  }

  get used(): number {
    return this.#used;
  }

  get available(): boolean {
    return this.#used < this.capacity;
  }

  take(): void {
    this.#used++;
  }

  release(): void {
    this.#used--;
    for (const wake of [...this.#wakers]) wake();
  }

  /** Calls `wake` whenever a slot is given back; returns the unsubscribe function. */
  onRelease(wake: () => void): () => void {
    this.#wakers.add(wake);
    return () => this.#wakers.delete(wake);
  }
}

/**
 * A work queue of keys with controller-runtime's guarantees: a key is queued at most once, never
 * processed by two workers at the same time, and a key added while it is being processed runs
 * again once the current run ends. Delayed adds use one timer per key; per-key failure counts
 * feed an exponential backoff. With a rate limit, a key over its limit is not dropped but waits
 * (as a delayed add) until its window ends.
 */
export class WorkQueue {
  readonly #queued = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #dirty = new Set<string>();
  readonly #timers = new Map<string, { due: number; timer: ReturnType<typeof setTimeout> }>();
  readonly #failures = new Map<string, number>();
  #handler?: (key: string) => Promise<void>;
  #idleWaiters: (() => void)[] = [];
  #stopped = false;
  readonly #limiter?: RateLimiter;
  readonly #slots: SharedSlots;
  readonly #unsubscribe: () => void;

  /** `concurrency`: passes at a time, this queue's own or {@link SharedSlots} of several queues. */
  constructor(
    concurrency: number | SharedSlots,
    private readonly retry: BackoffPolicy,
    rateLimit?: RateLimit | RateLimiter,
  ) {
    if (typeof concurrency === "number" && !(concurrency >= 1)) {
      throw new Error("work queue concurrency must be at least 1");
    }
    this.#slots = typeof concurrency === "number" ? new SharedSlots(concurrency) : concurrency;
    this.#unsubscribe = this.#slots.onRelease(() => this.#pump());
    this.#limiter = rateLimit instanceof RateLimiter
      ? rateLimit
      : rateLimit && new RateLimiter(rateLimit);
  }

  get concurrency(): number {
    return this.#slots.capacity;
  }

  /** Starts dispatching keys to the handler; call once. */
  start(handler: (key: string) => Promise<void>): void {
    this.#handler = handler;
    this.#pump();
  }

  add(key: string): void {
    if (this.#stopped) return;
    if (this.#processing.has(key)) {
      this.#dirty.add(key);
      return;
    }
    this.#queued.add(key);
    this.#pump();
  }

  /** Adds after a delay; an already scheduled earlier add wins. */
  addAfter(key: string, ms: number): void {
    const existing = this.#timers.get(key);
    if (existing && existing.due <= Date.now() + ms) return;
    this.schedule(key, ms);
  }

  /** Replaces any delayed add of the key: the latest reconcile result decides the next pass. */
  schedule(key: string, ms: number): void {
    if (this.#stopped) return;
    this.cancelScheduled(key);
    if (ms <= 0) return this.add(key);
    ms = Math.min(ms, MAX_TIMER_MS);
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      this.add(key);
    }, ms);
    // Delayed requeues alone must not keep a finished process alive.
    Deno.unrefTimer(timer);
    this.#timers.set(key, { due: Date.now() + ms, timer });
  }

  cancelScheduled(key: string): void {
    const existing = this.#timers.get(key);
    if (existing) {
      clearTimeout(existing.timer);
      this.#timers.delete(key);
    }
  }

  /** Records a failure and schedules a retry after the key's next backoff delay. */
  addRateLimited(key: string): number {
    const attempt = (this.#failures.get(key) ?? 0) + 1;
    this.#failures.set(key, attempt);
    const delay = backoffDelay(this.retry, attempt);
    this.schedule(key, delay);
    return delay;
  }

  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /** Clears the failure count after a successful pass. */
  forget(key: string): void {
    this.#failures.delete(key);
  }

  /** Drops everything about a key (its object is gone). */
  remove(key: string): void {
    this.#queued.delete(key);
    this.#dirty.delete(key);
    this.cancelScheduled(key);
    this.#failures.delete(key);
    this.#limiter?.forget(key);
  }

  get depth(): number {
    return this.#queued.size;
  }

  get inFlight(): number {
    return this.#processing.size;
  }

  get scheduledCount(): number {
    return this.#timers.size;
  }

  /** Stops accepting work; resolves when in-flight handlers have finished. */
  async shutdown(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe();
    for (const { timer } of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#queued.clear();
    this.#dirty.clear();
    await this.idle();
  }

  /** Resolves once nothing is queued or running. */
  idle(): Promise<void> {
    if (this.#queued.size === 0 && this.#processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #pump(): void {
    const handler = this.#handler;
    if (!handler) return;
    while (this.#slots.available && this.#queued.size > 0) {
      const key = this.#queued.values().next().value as string;
      this.#queued.delete(key);
      const wait = this.#limiter?.acquire(key) ?? 0;
      if (wait > 0) {
        // Over its rate limit: the pass is kept, not dropped, and runs when the window ends.
        this.addAfter(key, wait);
        continue;
      }
      this.#processing.add(key);
      this.#slots.take();
      handler(key)
        .catch(() => {}) // the handler owns error handling; the queue must keep going
        .finally(() => {
          this.#processing.delete(key);
          if (this.#dirty.delete(key) && !this.#stopped) this.#queued.add(key);
          // Wakes this queue and every other one waiting for a shared slot.
          this.#slots.release();
          this.#notifyIdle();
        });
    }
    this.#notifyIdle();
  }

  #notifyIdle(): void {
    if (this.#queued.size === 0 && this.#processing.size === 0 && this.#idleWaiters.length) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}
