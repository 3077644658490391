/**
 * One low-frequency interval shared by every simulated process of a runtime, so a thousand
 * JobManagers cost one timer rather than a thousand. The interval only runs while someone is
 * subscribed.
 */
export class SharedTicker {
  readonly #subscribers = new Set<() => void>();
  #interval: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly periodMs: number) {}

  /** Calls `fn` every period until the returned function is called. */
  subscribe(fn: () => void): () => void {
    this.#subscribers.add(fn);
    if (this.#interval === undefined) {
      this.#interval = setInterval(() => this.#tick(), this.periodMs);
    }
    return () => {
      this.#subscribers.delete(fn);
      if (this.#subscribers.size === 0 && this.#interval !== undefined) {
        clearInterval(this.#interval);
        this.#interval = undefined;
      }
    };
  }

  #tick(): void {
    for (const fn of [...this.#subscribers]) {
      try {
        fn();
      } catch (err) {
        console.error("flink-sim: ticker subscriber failed:", err);
      }
    }
  }
}
