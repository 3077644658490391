/**
 * What a reconcile asks for next: nothing until something changes, or another pass after a delay.
 * Errors are thrown instead; the controller's error policy turns them into retries.
 */
export interface Action {
  readonly requeueAfterMs?: number;
}

export const Action = {
  /** Wait for the next change of the object or of something it owns. */
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
