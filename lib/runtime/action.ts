/**
 * What a reconcile asks for next: nothing until something changes, or another pass after a delay.
 * Errors are thrown instead; the controller's error policy turns them into retries.
 */
export interface Action {
  readonly requeueAfterMs?: number;
}

export const Action = {
  /**
   * Nothing to do until the object or something it watches changes. The controller still runs
   * one pass per resync interval as a safety net for changes a watch missed.
   */
  done(): Action {
    return {};
  },
  requeue(ms: number): Action {
    return { requeueAfterMs: Math.max(0, ms) };
  },
};

/** An error that retrying cannot fix (bad input, missing permission); it is reported, not retried. */
export class TerminalError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TerminalError";
  }
}
