import { getLogger } from "@logtape/logtape";
import type { KubeClient } from "../kube/client.ts";
import { isGone } from "../kube/errors.ts";
import { keyOf, type KubeObject, type ResourceType } from "../kube/resource.ts";
import { Backoff, type BackoffPolicy, sleep, WATCH_BACKOFF } from "./backoff.ts";
import type { RuntimeMetrics } from "./metrics.ts";
import type { Store } from "./store.ts";
import { errorMessage } from "../error_message.ts";

const log = getLogger(["flinkop", "runtime", "watch"]);

export interface WatcherOptions<T extends KubeObject> {
  client: KubeClient;
  type: ResourceType;
  /** Undefined watches all namespaces. */
  namespace?: string;
  labelSelector?: string;
  store: Store<T>;
  onApply?: (obj: T, previous: T | undefined) => void;
  onDelete?: (obj: T) => void;
  metrics?: RuntimeMetrics;
  backoff?: BackoffPolicy;
  /** Called with the error of every list that fails (before or after the first sync). */
  onListError?: (err: unknown) => void;
  /** Server-side watch timeout range; each request picks a random value to spread reconnects. */
  timeoutSeconds?: [number, number];
  pageSize?: number;
  /**
   * Shrinks every object before it is cached and handed on (client-go's informer transform):
   * what no reader needs need not be held in memory for every object of a large cluster.
   */
  transform?: (obj: T) => T;
}

/**
 * Keeps a Store in sync with one resource type through list+watch, and never gives up: watch
 * timeouts re-watch from the last resourceVersion (bookmarks keep it fresh), 410 Gone relists and
 * diffs against the store so deletions missed while disconnected are still reported, and any other
 * failure reconnects with capped exponential backoff. A client-side deadline guards against
 * half-open connections that would otherwise stall silently.
 */
export class Watcher<T extends KubeObject> {
  #resourceVersion: string | undefined;
  #synced!: () => void;
  readonly synced: Promise<void> = new Promise((r) => this.#synced = r);
  #isSynced = false;
  #request?: AbortController;
  /** Time of the last successful list or watch data; health checks read it. */
  lastContact = 0;
  /** Set while the watcher is failing; cleared on success. */
  lastError: unknown;

  constructor(private readonly opts: WatcherOptions<T>) {}

  get kind(): string {
    return this.opts.type.kind;
  }

  get isSynced(): boolean {
    return this.#isSynced;
  }

  get namespace(): string | undefined {
    return this.opts.namespace;
  }

  get type(): ResourceType {
    return this.opts.type;
  }

  get resourceVersion(): string | undefined {
    return this.#resourceVersion;
  }

  /**
   * Drops the current watch request and resumes from the given resourceVersion (default: the
   * last one seen). Used to resume from a checkpointed position, and by tests to force a 410.
   */
  reconnect(fromResourceVersion?: string): void {
    if (fromResourceVersion !== undefined) this.#resourceVersion = fromResourceVersion;
    this.#request?.abort(new ReconnectRequested());
  }

  async run(signal: AbortSignal): Promise<void> {
    const backoff = new Backoff(this.opts.backoff ?? WATCH_BACKOFF);
    while (!signal.aborted) {
      try {
        if (this.#resourceVersion === undefined) {
          try {
            await this.#relist(signal);
          } catch (err) {
            if (!signal.aborted) this.opts.onListError?.(err);
            throw err;
          }
        }
        if (signal.aborted) break;
        await this.#watchOnce(signal, backoff);
        this.#restarted("timeout");
      } catch (err) {
        if (signal.aborted) break;
        this.lastError = err;
        if (isGone(err)) {
          // Our resourceVersion was compacted away: only a fresh list can catch us up.
          this.#resourceVersion = undefined;
          this.#restarted("gone");
          log.info("{kind} watch expired (410), relisting", { kind: this.kind });
          continue;
        }
        this.#restarted("error");
        const delay = backoff.next();
        log.warn("{kind} watch {scope} failed, retrying in {delay} ms: {error}", {
          kind: this.kind,
          scope: this.opts.namespace ? `in namespace ${this.opts.namespace}` : "cluster-wide",
          delay,
          error: errorMessage(err),
        });
        await sleep(delay, signal);
      }
    }
  }

  #restarted(reason: string): void {
    this.opts.metrics?.watchRestarts.inc({ kind: this.kind, reason });
  }

  async #relist(signal: AbortSignal): Promise<void> {
    const { client, type, namespace, labelSelector } = this.opts;
    const items: T[] = [];
    let cont: string | undefined;
    let resourceVersion: string | undefined;
    do {
      const page = await client.list<T>(type, namespace, {
        labelSelector,
        limit: this.opts.pageSize ?? 500,
        continue: cont,
      });
      if (signal.aborted) return;
      items.push(...page.items);
      cont = page.metadata.continue || undefined;
      resourceVersion = page.metadata.resourceVersion;
    } while (cont);
    const transform = this.opts.transform;
    if (transform) items.forEach((obj, i) => items[i] = transform(obj));
    const store = this.opts.store;
    const previous = items.map((o) => store.get(keyOf(o.metadata)));
    const vanished = store.replace(items, namespace);
    this.#resourceVersion = resourceVersion;
    this.lastContact = Date.now();
    this.lastError = undefined;
    for (const obj of vanished) this.opts.onDelete?.(obj);
    items.forEach((obj, i) => this.opts.onApply?.(obj, previous[i]));
    if (!this.#isSynced) {
      this.#isSynced = true;
      this.#synced();
    }
  }

  async #watchOnce(signal: AbortSignal, backoff: Backoff): Promise<void> {
    const { client, type, namespace, labelSelector, store } = this.opts;
    const [lo, hi] = this.opts.timeoutSeconds ?? [240, 360];
    const timeoutSeconds = Math.round(lo + Math.random() * (hi - lo));
    const deadline = new AbortController();
    this.#request = deadline;
    const timer = setTimeout(
      () => deadline.abort(new Error("watch stalled past its server-side timeout")),
      (timeoutSeconds + 30) * 1000,
    );
    const healthyTimer = setTimeout(() => backoff.reset(), 60_000);
    try {
      const events = client.watch<T>(type, namespace, {
        labelSelector,
        resourceVersion: this.#resourceVersion,
        timeoutSeconds,
      }, AbortSignal.any([signal, deadline.signal]));
      for await (const event of events) {
        if (deadline.signal.aborted || signal.aborted) break;
        this.lastContact = Date.now();
        this.lastError = undefined;
        let obj = event.object;
        if (obj.metadata?.resourceVersion) this.#resourceVersion = obj.metadata.resourceVersion;
        if (this.opts.transform && (event.type === "ADDED" || event.type === "MODIFIED")) {
          obj = this.opts.transform(obj);
        }
        switch (event.type) {
          case "ADDED":
          case "MODIFIED": {
            const previous = store.apply(obj);
            this.opts.onApply?.(obj, previous);
            break;
          }
          case "DELETED":
            store.delete(obj);
            this.opts.onDelete?.(obj);
            break;
        }
      }
    } catch (err) {
      if (deadline.signal.reason instanceof ReconnectRequested) return;
      if (deadline.signal.aborted && !signal.aborted) throw deadline.signal.reason;
      throw err;
    } finally {
      clearTimeout(timer);
      clearTimeout(healthyTimer);
    }
  }
}

class ReconnectRequested extends Error {
  constructor() {
    super("reconnect requested");
  }
}
