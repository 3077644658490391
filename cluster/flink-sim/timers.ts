/**
 * The one-shot timers of one simulated process. Stopping the process clears them all, so
 * nothing it scheduled (a state change, a checkpoint) happens after it has exited.
 */
export type TimerHandle = ReturnType<typeof setTimeout>;

export class ProcessTimers {
  readonly #pending = new Set<TimerHandle>();
  #stopped = false;

  after(ms: number, fn: () => void): TimerHandle | undefined {
    if (this.#stopped) return undefined;
    const id = setTimeout(() => {
      this.#pending.delete(id);
      if (!this.#stopped) fn();
    }, ms);
    this.#pending.add(id);
    return id;
  }

  /** Resolves after `ms`, or never if the process stops first. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.after(ms, resolve));
  }

  cancel(id: TimerHandle | undefined): void {
    if (id === undefined) return;
    clearTimeout(id);
    this.#pending.delete(id);
  }

  stopAll(): void {
    this.#stopped = true;
    for (const id of this.#pending) clearTimeout(id);
    this.#pending.clear();
  }

  get stopped(): boolean {
    return this.#stopped;
  }
}
