/** Something run now and then by the SharedTicker; it sets its own next due time. */
export interface PeriodicCheck {
  /** Epoch milliseconds at or after which the check should run again. */
  dueAt: number;
  /** Synchronous work returns nothing; a returned promise marks the check busy until it settles. */
  run(): Promise<void> | void;
}

/**
 * One timer for all probes and readiness polls on the node, instead of an interval per container:
 * hundreds of idle pods then cost one wake-up per tick. The timer runs only while checks are
 * registered. Due checks run most-overdue first, so none starves; a check never overlaps itself,
 * and at most `concurrency` asynchronous runs (network probes) are in flight at once.
 */
export class SharedTicker {
  readonly #checks = new Set<PeriodicCheck>();
  readonly #busy = new Set<PeriodicCheck>();
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly tickMs = 250,
    private readonly concurrency = 64,
    private readonly now: () => number = Date.now,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  add(check: PeriodicCheck): void {
    this.#checks.add(check);
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.tick(), this.tickMs);
    }
  }

  remove(check: PeriodicCheck): void {
    this.#checks.delete(check);
    if (this.#checks.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  get size(): number {
    return this.#checks.size;
  }

  /** Runs every due check; public so tests can drive time themselves. */
  tick(): void {
    const now = this.now();
    const due = [...this.#checks]
      .filter((check) => check.dueAt <= now && !this.#busy.has(check))
      .sort((a, b) => a.dueAt - b.dueAt);
    for (const check of due) {
      if (this.#busy.size >= this.concurrency) return;
      let result: Promise<void> | void;
      try {
        result = check.run();
      } catch (err) {
        this.onError(err);
        continue;
      }
      if (result instanceof Promise) {
        this.#busy.add(check);
        result.catch(this.onError).finally(() => this.#busy.delete(check));
      }
    }
  }

  stop(): void {
    this.#checks.clear();
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
