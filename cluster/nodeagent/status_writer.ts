import type { KubeClient } from "../../lib/kube/client.ts";
import { isConflict, isNotFound } from "../../lib/kube/errors.ts";
import { Resources } from "../../lib/kube/resource.ts";
import { describeError, type Logger } from "./log.ts";
import type { PodStatus } from "./pod_types.ts";

/** A pod whose status the writer keeps in sync; compute() is called at write time. */
export interface StatusSubject {
  namespace: string;
  name: string;
  uid: string;
  /** The status to publish now, or undefined when nothing should be written any more. */
  compute(): PodStatus | undefined;
}

export interface StatusWriterOptions {
  /** How long to gather changes before writing: a container start often changes status 2–3 times. */
  delayMs?: number;
  concurrency?: number;
  retryMs?: number;
}

/**
 * Publishes pod status through the `/status` subresource, coalescing bursts: marking a pod dirty
 * only schedules a write, the status is computed when the write happens, and an unchanged status
 * (same JSON as last written) costs nothing. Patches are strategic merge so conditions owned by
 * others (readiness gates, DisruptionTarget) survive, and carry metadata.uid as a precondition so a
 * recreated pod with the same name is never written with a predecessor's status.
 */
export class StatusWriter {
  readonly #subjects = new Map<string, StatusSubject>();
  readonly #dirty = new Set<string>();
  readonly #inFlight = new Set<string>();
  readonly #lastWritten = new Map<string, string>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #delayMs: number;
  readonly #concurrency: number;
  readonly #retryMs: number;
  #idleWaiters: (() => void)[] = [];

  constructor(
    private readonly kube: KubeClient,
    private readonly log: Logger,
    opts: StatusWriterOptions = {},
  ) {
    this.#delayMs = opts.delayMs ?? 50;
    this.#concurrency = opts.concurrency ?? 16;
    this.#retryMs = opts.retryMs ?? 1000;
  }

  markDirty(subject: StatusSubject): void {
    this.#subjects.set(subject.uid, subject);
    this.#dirty.add(subject.uid);
    this.#schedule(this.#delayMs);
  }

  /** Stops writing a pod's status (it is gone) and forgets what was written. */
  forget(uid: string): void {
    this.#subjects.delete(uid);
    this.#dirty.delete(uid);
    this.#lastWritten.delete(uid);
  }

  /** Resolves once nothing is dirty or in flight; for orderly shutdown and tests. */
  idle(): Promise<void> {
    if (this.#dirty.size === 0 && this.#inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #schedule(delayMs: number): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#flush();
    }, delayMs);
  }

  #flush(): void {
    for (const uid of [...this.#dirty]) {
      if (this.#inFlight.size >= this.#concurrency) break;
      if (this.#inFlight.has(uid)) continue; // written again when the current write finishes
      this.#dirty.delete(uid);
      const subject = this.#subjects.get(uid);
      if (subject) this.#write(subject);
    }
    this.#notifyIdle();
  }

  #write(subject: StatusSubject): void {
    let status: PodStatus | undefined;
    try {
      status = subject.compute();
    } catch (err) {
      this.log.error(
        `status of ${subject.namespace}/${subject.name} not computed: ${describeError(err)}`,
      );
      return;
    }
    if (!status) return;
    const json = JSON.stringify(status);
    if (this.#lastWritten.get(subject.uid) === json) return;

    this.#inFlight.add(subject.uid);
    this.kube.patch(
      Resources.pods,
      subject.namespace,
      subject.name,
      { metadata: { uid: subject.uid }, status: statusPatch(status) },
      "strategic",
      { subresource: "status" },
    ).then(
      () => {
        if (this.#subjects.has(subject.uid)) this.#lastWritten.set(subject.uid, json);
      },
      (err) => {
        if (isNotFound(err) || isConflict(err)) {
          // Deleted, or replaced by a pod of the same name: nothing left to report for this uid.
          this.forget(subject.uid);
          return;
        }
        this.log.warn(
          `status of ${subject.namespace}/${subject.name} not written (${
            describeError(err)
          }); retrying`,
        );
        if (this.#subjects.has(subject.uid)) {
          this.#dirty.add(subject.uid);
          this.#schedule(this.#retryMs);
        }
      },
    ).finally(() => {
      this.#inFlight.delete(subject.uid);
      if (this.#dirty.size > 0) this.#schedule(this.#dirty.has(subject.uid) ? this.#delayMs : 0);
      this.#notifyIdle();
    });
  }

  #notifyIdle(): void {
    if (this.#dirty.size === 0 && this.#inFlight.size === 0 && this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}

/**
 * Strategic merge patches merge conditions by type field by field, so a condition turning True
 * would keep the reason and message of its False past: unset ones are sent as null to delete them.
 */
export function statusPatch(status: PodStatus): Record<string, unknown> {
  return {
    ...status,
    conditions: status.conditions?.map((c) => ({ reason: null, message: null, ...c })),
  };
}
