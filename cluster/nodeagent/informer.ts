import type { KubeClient, WatchEvent } from "../../lib/kube/client.ts";
import { isGone } from "../../lib/kube/errors.ts";
import type { KubeObject, ResourceType } from "../../lib/kube/resource.ts";
import { sleep } from "../../lib/runtime/backoff.ts";
import { exponentialDelay, withJitter } from "./backoff.ts";
import { describeError, type Logger } from "./log.ts";

export type ChangeType = "ADDED" | "MODIFIED" | "DELETED";

export interface InformerOptions<T extends KubeObject> {
  /** For log lines, e.g. "pods". */
  name: string;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Applied to every object received, e.g. to keep only the fields the cache needs. */
  transform?: (obj: KubeObject) => T;
  /** Called for every change, including the synthetic ones a relist produces. Must not throw. */
  onChange: (type: ChangeType, obj: T) => void;
  log: Logger;
}

const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 30_000;

/**
 * Keeps a local copy of one resource type by list + watch, keyed by uid. It reconnects on its own:
 * a watch the server closes is resumed from the last resourceVersion seen (bookmarks included), a
 * failed request is retried with exponential back-off, and 410 Gone (the version was compacted)
 * triggers a full relist whose differences reach onChange as ADDED/MODIFIED/DELETED.
 */
export class Informer<T extends KubeObject> {
  readonly store = new Map<string, T>();
  #resourceVersion = "";
  #synced = Promise.withResolvers<void>();
  #hasSynced = false;

  constructor(
    private readonly kube: KubeClient,
    private readonly type: ResourceType,
    private readonly opts: InformerOptions<T>,
  ) {}

  /** Resolves after the first complete list. */
  get synced(): Promise<void> {
    return this.#synced.promise;
  }

  /** Runs until the signal aborts; never rejects. */
  async run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    let needList = true;
    while (!signal.aborted) {
      try {
        if (needList) {
          await this.#relist(signal);
          needList = false;
          if (failures > 0) {
            this.opts.log.info(`${this.opts.name}: relisted after ${failures} failed attempt(s)`);
          }
          failures = 0;
        }
        const openedAt = Date.now();
        let events = 0;
        for await (const event of this.#watch(signal)) {
          this.#apply(event);
          events++;
          failures = 0;
        }
        // A watch the server ends at once without events would otherwise be reopened in a hot loop.
        if (events === 0 && Date.now() - openedAt < 1000) {
          await sleep(
            withJitter(exponentialDelay(failures++, RETRY_BASE_MS, RETRY_MAX_MS)),
            signal,
          );
        }
      } catch (err) {
        if (signal.aborted) break;
        if (isGone(err)) {
          this.opts.log.info(`${this.opts.name}: watch history expired (410 Gone), relisting`);
          needList = true;
          continue;
        }
        const delay = withJitter(exponentialDelay(failures, RETRY_BASE_MS, RETRY_MAX_MS));
        failures++;
        this.opts.log.warn(
          `${this.opts.name}: ${needList ? "list" : "watch"} failed (${
            describeError(err)
          }); retrying in ${delay} ms`,
        );
        await sleep(delay, signal);
      }
    }
  }

  async #relist(signal: AbortSignal): Promise<void> {
    const seen = new Map<string, T>();
    let continueToken: string | undefined;
    let resourceVersion = "";
    do {
      if (signal.aborted) return;
      const page = await this.kube.list<KubeObject>(this.type, this.opts.namespace, {
        labelSelector: this.opts.labelSelector,
        fieldSelector: this.opts.fieldSelector,
        limit: 500,
        continue: continueToken,
      });
      for (const item of page.items) {
        const obj = this.#transform(item);
        if (obj.metadata.uid) seen.set(obj.metadata.uid, obj);
      }
      continueToken = page.metadata.continue || undefined;
      resourceVersion = page.metadata.resourceVersion ?? resourceVersion;
    } while (continueToken);

    for (const [uid, old] of [...this.store]) {
      if (!seen.has(uid)) {
        this.store.delete(uid);
        this.#notify("DELETED", old);
      }
    }
    for (const [uid, obj] of seen) {
      const old = this.store.get(uid);
      this.store.set(uid, obj);
      if (!old) this.#notify("ADDED", obj);
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) {
        this.#notify("MODIFIED", obj);
      }
    }
    this.#resourceVersion = resourceVersion;
    if (!this.#hasSynced) {
      this.#hasSynced = true;
      this.#synced.resolve();
    }
  }

  #watch(signal: AbortSignal): AsyncGenerator<WatchEvent<KubeObject>> {
    return this.kube.watch<KubeObject>(this.type, this.opts.namespace, {
      labelSelector: this.opts.labelSelector,
      fieldSelector: this.opts.fieldSelector,
      resourceVersion: this.#resourceVersion,
      // Spread server-side timeouts so many watches don't all reconnect together.
      timeoutSeconds: 240 + Math.floor(Math.random() * 120),
    }, signal);
  }

  #apply(event: WatchEvent<KubeObject>): void {
    const rv = event.object?.metadata?.resourceVersion;
    if (event.type === "BOOKMARK") {
      if (rv) this.#resourceVersion = rv;
      return;
    }
    if (event.type !== "ADDED" && event.type !== "MODIFIED" && event.type !== "DELETED") return;
    const obj = this.#transform(event.object);
    const uid = obj.metadata.uid;
    if (rv) this.#resourceVersion = rv;
    if (!uid) return;
    if (event.type === "DELETED") this.store.delete(uid);
    else this.store.set(uid, obj);
    this.#notify(event.type, obj);
  }

  #transform(obj: KubeObject): T {
    return this.opts.transform ? this.opts.transform(obj) : obj as T;
  }

  #notify(type: ChangeType, obj: T): void {
    try {
      this.opts.onChange(type, obj);
    } catch (err) {
      this.opts.log.error(
        `${this.opts.name}: handler failed on ${type} ${obj.metadata.namespace}/${obj.metadata.name}: ${
          describeError(err)
        }`,
      );
    }
  }
}
