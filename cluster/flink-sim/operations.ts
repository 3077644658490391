import { randomHex } from "./ids.ts";

export type OperationStatus =
  | { status: "IN_PROGRESS" }
  | { status: "COMPLETED"; operation: Record<string, unknown> };

interface Entry {
  result?: Record<string, unknown>;
  completedAt?: number;
}

/**
 * Flink's completed-operation cache for asynchronous REST operations (savepoints, stops,
 * checkpoints, disposals): a trigger returns an id, the status endpoint reports IN_PROGRESS until
 * the work resolves, results are kept for `rest.async.store-duration`. A client-chosen trigger id
 * that is already known returns the existing operation, which makes retries idempotent.
 */
export class AsyncOperations {
  readonly #entries = new Map<string, Entry>();

  constructor(private readonly retentionMs: number) {}

  trigger(
    scope: string,
    triggerId: string | undefined,
    work: () => Promise<Record<string, unknown>>,
  ): string {
    this.#expire();
    const id = triggerId ?? randomHex(32);
    const key = `${scope}/${id}`;
    if (this.#entries.has(key)) return id;
    const entry: Entry = {};
    this.#entries.set(key, entry);
    work().then(
      (result) => {
        entry.result = result;
        entry.completedAt = Date.now();
      },
      (err: unknown) => {
        entry.result = { error: String(err) };
        entry.completedAt = Date.now();
      },
    );
    return id;
  }

  get(scope: string, triggerId: string): OperationStatus | undefined {
    this.#expire();
    const entry = this.#entries.get(`${scope}/${triggerId}`);
    if (!entry) return undefined;
    if (!entry.result) return { status: "IN_PROGRESS" };
    return { status: "COMPLETED", operation: entry.result };
  }

  #expire(): void {
    const cutoff = Date.now() - this.retentionMs;
    for (const [key, entry] of this.#entries) {
      if (entry.completedAt !== undefined && entry.completedAt < cutoff) this.#entries.delete(key);
    }
  }
}
