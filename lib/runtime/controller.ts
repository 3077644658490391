import { getLogger, withContext } from "@logtape/logtape";
import type { KubeClient } from "../kube/client.ts";
import { ApiError } from "../kube/errors.ts";
import {
  keyOf,
  type KubeObject,
  type ObjectKey,
  type ResourceType,
  splitKey,
} from "../kube/resource.ts";
import { type Action, TerminalError } from "./action.ts";
import type { BackoffPolicy } from "./backoff.ts";
import type { EventRecorder } from "./events.ts";
import { addFinalizer, hasFinalizer, removeFinalizer } from "./finalizer.ts";
import type { RuntimeMetrics } from "./metrics.ts";
import type { StatusWriter } from "./status.ts";
import { Store } from "./store.ts";
import { type SharedSlots, WorkQueue } from "./queue.ts";
import type { RateLimit } from "./rate_limiter.ts";
import { Watcher, type WatcherOptions } from "./watcher.ts";
import { errorMessage } from "../error_message.ts";

const log = getLogger(["flinkop", "runtime", "controller"]);

export interface ReconcileContext<T extends KubeObject> {
  client: KubeClient;
  key: ObjectKey;
  /** Consecutive failed passes before this one (0 on a healthy object). */
  attempt: number;
  signal: AbortSignal;
  /** Writes this object's status subresource (a write-ahead log: call as often as needed). */
  writeStatus(obj: T, status: T["status"]): Promise<T>;
  events: EventRecorder;
  /** The primary cache. */
  store: Store<T>;
  /** The cache of a watched secondary type. */
  cache<S extends KubeObject>(type: ResourceType): Store<S>;
  /** Whether this controller watches `type` (so `cache` holds all of its objects). */
  watching?(type: ResourceType): boolean;
  /** Enqueues another key of this controller (e.g. a related object). */
  enqueue(key: ObjectKey, afterMs?: number): void;
}

export interface SecondaryWatch {
  type: ResourceType;
  labelSelector?: string;
  /**
   * Keys of primary objects to reconcile when this object changes; default: owner references.
   * `primaries` is the primary cache, for mappings that need to look up the primaries.
   */
  map?: (obj: KubeObject, primaries: Store<KubeObject>) => ObjectKey[];
  /**
   * Whether a changed (or new) object can matter to its primaries; the default is any change of
   * its resourceVersion. Lets a controller ignore the many status updates of pods and Deployments
   * that its passes do not read, so a large cluster does not cost a pass per update. Deletions
   * always count.
   */
  relevant?: (obj: KubeObject, previous: KubeObject | undefined) => boolean;
  /**
   * Shrinks each object before it is cached (e.g. drop a pod's spec nobody reads); the default
   * drops `metadata.managedFields` only, as for every cached object.
   */
  transform?: (obj: KubeObject) => KubeObject;
}

export interface ControllerSpec<T extends KubeObject> {
  name: string;
  type: ResourceType;
  reconcile(obj: T, ctx: ReconcileContext<T>): Promise<Action>;
  /** With `finalizer`: runs on deletion; `Action.done()` releases the object (see finalizer.ts). */
  cleanup?(obj: T, ctx: ReconcileContext<T>): Promise<Action>;
  finalizer?: string;
  /**
   * The controller's one error-to-status hook: record the failure (status, event). What it
   * throws is logged and ignored; the error policy (retry or not) is the runtime's.
   */
  onError?(obj: T, err: unknown, ctx: ReconcileContext<T>): Promise<void>;
  /** The object is gone from the cluster: drop whatever the controller remembers about it. */
  forget?(obj: T): void;
  watches?: SecondaryWatch[];
  labelSelector?: string;
}

/** Sees every primary object its watch delivers (listed, changed, gone); e.g. metrics. */
export interface ResourceObserver {
  applied(kind: string, obj: KubeObject): void;
  deleted(kind: string, obj: KubeObject): void;
}

export interface ControllerRuntime {
  client: KubeClient;
  /** Told about every primary object, after the cache has it. */
  observers?: readonly ResourceObserver[];
  status: StatusWriter;
  events: EventRecorder;
  metrics: RuntimeMetrics;
  /** Namespaces to watch; undefined means all. Changed later with `setNamespaces`. */
  namespaces?: string[];
  /** Passes at a time: this controller's own limit, or slots shared with other controllers. */
  concurrency: number | SharedSlots;
  retry: BackoffPolicy;
  /** Retries of one failing object before giving up until it changes again. */
  maxAttempts: number;
  /** Safety-net pass for objects whose reconcile asked for nothing (watches can miss changes). */
  resyncMs: number;
  /** At most `limit` passes per `periodMs` per object; over it a pass waits, it is not dropped. */
  rateLimit?: RateLimit;
  /**
   * A watch whose first list is refused (a client error such as 403 forbidden or 404 unknown
   * resource): "fail" ends `run` with a {@link WatchStartError}; "retry" (the default) logs it,
   * starts reconciling what the other watches deliver and keeps retrying the failed one.
   */
  watchStartErrors?: "fail" | "retry";
}

/** A watch could not start: its first list was refused by the API server. */
export class WatchStartError extends Error {
  constructor(
    readonly type: ResourceType,
    /** Undefined for a cluster-wide watch. */
    readonly namespace: string | undefined,
    override readonly cause: unknown,
  ) {
    const where = namespace ? `in namespace ${namespace}` : "cluster-wide";
    super(`cannot watch ${type.plural}.${type.group || "core"} ${where}: ${errorMessage(cause)}`);
    this.name = "WatchStartError";
  }
}

/** The watches of one namespace (or of all, keyed ""), started and stopped together. */
interface WatchScope {
  readonly namespace?: string;
  readonly watchers: Watcher<KubeObject>[];
  /** Per watcher: resolves when one of its lists is refused (see {@link isRefusal}). */
  readonly refused: Map<Watcher<KubeObject>, Promise<void>>;
  readonly stop: AbortController;
  running?: Promise<unknown>;
}

/**
 * Runs one reconcile loop for a resource type: watches the primary type and its secondaries,
 * feeds keys through a WorkQueue (dedupe, one pass per key at a time, bounded concurrency), reads
 * the latest cached object per pass (level-triggered), applies the finalizer contract, and routes
 * every error through one policy: TerminalError is recorded and not retried, anything else is
 * recorded and retried with per-key exponential backoff up to `maxAttempts`. The watched
 * namespaces can change while it runs (`setNamespaces`).
 */
export class Controller<T extends KubeObject & { status?: unknown }> {
  readonly store = new Store<T>();
  readonly #caches = new Map<string, Store<KubeObject>>();
  readonly #scopes = new Map<string, WatchScope>();
  readonly queue: WorkQueue;
  #namespaces: string[] | undefined;
  #signal?: AbortSignal;
  #reconciling = false;
  /** Told of the first refused start of a watch under the "fail" policy. */
  #startFailure?: (err: WatchStartError) => void;

  constructor(private readonly spec: ControllerSpec<T>, private readonly rt: ControllerRuntime) {
    this.queue = new WorkQueue(rt.concurrency, rt.retry, rt.rateLimit);
    this.#namespaces = rt.namespaces && [...rt.namespaces];
    for (const ns of this.#namespaces ?? [undefined]) this.#scopes.set(ns ?? "", this.#scope(ns));
    rt.metrics.queueDepth.track({ controller: spec.name }, () => this.queue.depth);
    rt.metrics.queueInFlight.track({ controller: spec.name }, () => this.queue.inFlight);
  }

  get name(): string {
    return this.spec.name;
  }

  get watchers(): readonly Watcher<KubeObject>[] {
    return [...this.#scopes.values()].flatMap((scope) => scope.watchers);
  }

  /** The watched namespaces; undefined means all. */
  get namespaces(): readonly string[] | undefined {
    return this.#namespaces;
  }

  get synced(): boolean {
    return this.watchers.every((w) => w.isSynced);
  }

  /** True once the work queue runs (the caches were filled, or their failures tolerated). */
  get reconciling(): boolean {
    return this.#reconciling;
  }

  /** The watches of one namespace: the primary type and every secondary watch. */
  #scope(ns: string | undefined): WatchScope {
    const { spec, rt } = this;
    const refused = new Map<Watcher<KubeObject>, Promise<void>>();
    const watch = <W extends KubeObject>(
      options: Omit<WatcherOptions<W>, "client" | "namespace" | "metrics" | "onListError">,
    ): Watcher<KubeObject> => {
      let markRefused!: () => void;
      const refusal = new Promise<void>((resolve) => markRefused = resolve);
      const watcher = new Watcher<W>({
        ...options,
        client: rt.client,
        namespace: ns,
        metrics: rt.metrics,
        onListError: (err) => {
          if (!isRefusal(err)) return;
          markRefused();
          if (rt.watchStartErrors === "fail" && !this.#reconciling) {
            this.#startFailure?.(new WatchStartError(options.type, ns, err));
          }
        },
      }) as unknown as Watcher<KubeObject>;
      refused.set(watcher, refusal);
      return watcher;
    };
    const watchers: Watcher<KubeObject>[] = [
      watch<T>({
        type: spec.type,
        labelSelector: spec.labelSelector,
        store: this.store,
        transform: withoutManagedFields,
        onApply: (obj, previous) => {
          for (const o of rt.observers ?? []) o.applied(spec.type.kind, obj);
          if (needsReconcile(obj, previous)) this.queue.add(keyOf(obj.metadata));
        },
        onDelete: (obj) => this.#forget(obj),
      }),
    ];
    for (const w of spec.watches ?? []) {
      const map = w.map ?? ((obj: KubeObject) => ownerKeys(obj, spec.type));
      const primaries = this.store as unknown as Store<KubeObject>;
      const enqueue = (obj: KubeObject) => {
        for (const key of map(obj, primaries)) this.queue.add(key);
      };
      watchers.push(watch<KubeObject>({
        type: w.type,
        labelSelector: w.labelSelector,
        store: this.#cacheFor(w.type),
        transform: w.transform ?? withoutManagedFields,
        onApply: (obj, previous) => {
          if (previous?.metadata.resourceVersion === obj.metadata.resourceVersion) return;
          if (w.relevant && !w.relevant(obj, previous)) return;
          enqueue(obj);
        },
        onDelete: enqueue,
      }));
    }
    return { namespace: ns, watchers, refused, stop: new AbortController() };
  }

  /** A primary object is gone (deleted, or no longer watched): drop everything about it. */
  #forget(obj: T): void {
    for (const o of this.rt.observers ?? []) o.deleted(this.spec.type.kind, obj);
    this.queue.remove(keyOf(obj.metadata));
    if (obj.metadata.uid) this.rt.status.forget(obj.metadata.uid);
    this.spec.forget?.(obj);
  }

  #cacheFor(type: ResourceType): Store<KubeObject> {
    const id = `${type.group}/${type.plural}`;
    let store = this.#caches.get(id);
    if (!store) this.#caches.set(id, store = new Store());
    return store;
  }

  #start(scope: WatchScope, signal: AbortSignal): void {
    const both = AbortSignal.any([signal, scope.stop.signal]);
    scope.running = Promise.allSettled(scope.watchers.map((w) => w.run(both)));
  }

  /**
   * Starts watches, waits for the caches to fill, then reconciles until the signal aborts. Under
   * the "fail" policy a refused watch ends this with a {@link WatchStartError}; under "retry" the
   * queue starts once every watch has either filled its cache or been refused (other failures,
   * such as timeouts, are waited out in both cases: reconciling on a partial cache could act on
   * objects it merely has not seen yet).
   */
  async run(signal: AbortSignal): Promise<void> {
    this.#signal = signal;
    const failed = new Promise<WatchStartError>((resolve) => this.#startFailure = resolve);
    for (const scope of this.#scopes.values()) this.#start(scope, signal);
    const aborted = new Promise<void>((r) =>
      signal.addEventListener("abort", () => r(), { once: true })
    );
    const started = this.rt.watchStartErrors === "fail"
      ? Promise.all(this.watchers.map((w) => w.synced))
      : Promise.all(
        [...this.#scopes.values()].flatMap((scope) =>
          scope.watchers.map((w) => Promise.race([w.synced, scope.refused.get(w)]))
        ),
      );
    const outcome = await Promise.race([started, aborted, failed]);
    this.#startFailure = undefined;
    if (outcome instanceof WatchStartError || signal.aborted) {
      for (const scope of this.#scopes.values()) scope.stop.abort();
      await this.#stopped();
      if (outcome instanceof WatchStartError) throw outcome;
      return;
    }
    const waiting = this.watchers.filter((w) => !w.isSynced);
    log.info("{controller}: caches synced ({count} objects), reconciling", {
      controller: this.spec.name,
      count: this.store.size,
    });
    for (const w of waiting) {
      log.warn(
        "{controller}: the {kind} watch {scope} has not started; reconciling the rest meanwhile " +
          "and retrying it",
        {
          controller: this.spec.name,
          kind: w.kind,
          scope: w.namespace ? `in namespace ${w.namespace}` : "cluster-wide",
        },
      );
    }
    this.#reconciling = true;
    this.queue.start((key) => this.#process(key, signal));
    await aborted;
    await this.#stopped();
    await this.queue.shutdown();
  }

  async #stopped(): Promise<void> {
    await Promise.allSettled([...this.#scopes.values()].map((scope) => scope.running));
  }

  /**
   * Changes the watched namespaces (undefined: all). Watches of namespaces no longer covered
   * stop and their objects leave the caches (as if deleted, without touching the cluster);
   * watches of new namespaces start and feed the queue like any other.
   */
  setNamespaces(namespaces: readonly string[] | undefined): void {
    const next = namespaces && [...new Set(namespaces)];
    const wanted = new Set((next ?? [undefined]).map((ns) => ns ?? ""));
    for (const [id, scope] of this.#scopes) {
      if (wanted.has(id)) continue;
      scope.stop.abort();
      this.#scopes.delete(id);
    }
    this.#namespaces = next;
    const covered = (obj: KubeObject) =>
      next === undefined || next.includes(obj.metadata.namespace ?? "");
    for (const obj of this.store.removeWhere((o) => !covered(o))) this.#forget(obj);
    for (const cache of this.#caches.values()) cache.removeWhere((o) => !covered(o));
    for (const id of wanted) {
      if (this.#scopes.has(id)) continue;
      const scope = this.#scope(id === "" ? undefined : id);
      this.#scopes.set(id, scope);
      if (this.#signal && !this.#signal.aborted) this.#start(scope, this.#signal);
    }
  }

  async #process(key: ObjectKey, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const cached = this.store.get(key);
    if (!cached) {
      this.queue.remove(key);
      return;
    }
    const obj = this.rt.status.overlay(structuredClone(cached));
    const { namespace, name } = splitKey(key);
    const ctx = this.#context(key, signal);
    const started = performance.now();
    const labels = { controller: this.spec.name };
    let result = "success";
    await withContext({ kind: this.spec.type.kind, namespace, name }, async () => {
      try {
        const action = await this.#reconcileOrCleanup(obj, ctx);
        if (signal.aborted) return;
        this.queue.forget(key);
        if (action === "released") return;
        const next = action.requeueAfterMs ?? this.rt.resyncMs;
        if (action.requeueAfterMs !== undefined) result = "requeue";
        this.queue.schedule(key, next);
      } catch (err) {
        result = "error";
        if (signal.aborted) return;
        this.rt.metrics.reconcileErrors.inc(labels);
        await this.#handleError(obj, err, ctx);
      }
    });
    this.rt.metrics.reconciles.inc({ ...labels, result });
    this.rt.metrics.reconcileDuration.observe(labels, (performance.now() - started) / 1000);
  }

  async #reconcileOrCleanup(obj: T, ctx: ReconcileContext<T>): Promise<Action | "released"> {
    const { finalizer, cleanup } = this.spec;
    if (!finalizer || !cleanup) {
      if (obj.metadata.deletionTimestamp) return "released";
      return await this.spec.reconcile(obj, ctx);
    }
    if (obj.metadata.deletionTimestamp) {
      if (!hasFinalizer(obj, finalizer)) return "released";
      const action = await cleanup(obj, ctx);
      if (action.requeueAfterMs !== undefined) return action;
      await removeFinalizer(this.rt.client, this.spec.type, obj, finalizer);
      log.info("cleanup finished, finalizer removed");
      return "released";
    }
    if (!hasFinalizer(obj, finalizer)) {
      // Finalizer first, so a deletion racing with this first pass still runs cleanup.
      const updated = await addFinalizer(this.rt.client, this.spec.type, obj, finalizer);
      this.store.apply(updated as T);
      return await this.spec.reconcile(updated as T, ctx);
    }
    return await this.spec.reconcile(obj, ctx);
  }

  async #handleError(obj: T, err: unknown, ctx: ReconcileContext<T>): Promise<void> {
    const message = errorMessage(err);
    try {
      await this.spec.onError?.(obj, err, ctx);
    } catch (hookErr) {
      log.warn("error hook failed: {error}", { error: String(hookErr) });
    }
    if (err instanceof TerminalError) {
      log.warn("reconcile failed permanently, not retrying until the object changes: {error}", {
        error: message,
      });
      this.queue.forget(ctx.key);
      this.queue.schedule(ctx.key, this.rt.resyncMs);
      return;
    }
    if (this.queue.failures(ctx.key) + 1 > this.rt.maxAttempts) {
      log.error("reconcile failed {attempts} times, giving up until the object changes: {error}", {
        attempts: this.rt.maxAttempts,
        error: message,
      });
      this.queue.forget(ctx.key);
      this.queue.schedule(ctx.key, this.rt.resyncMs);
      return;
    }
    const delay = this.queue.addRateLimited(ctx.key);
    log.warn("reconcile failed (attempt {attempt}), retrying in {delay} ms: {error}", {
      attempt: this.queue.failures(ctx.key),
      delay,
      error: message,
    });
  }

  #context(key: ObjectKey, signal: AbortSignal): ReconcileContext<T> {
    const rt = this.rt;
    const type = this.spec.type;
    return {
      client: rt.client,
      key,
      attempt: this.queue.failures(key),
      signal,
      writeStatus: (obj, status) => rt.status.write(type, obj, status),
      events: rt.events,
      store: this.store,
      cache: <S extends KubeObject>(t: ResourceType) => this.#cacheFor(t) as unknown as Store<S>,
      watching: (t) =>
        (this.spec.watches ?? []).some((w) =>
          w.type.group === t.group && w.type.plural === t.plural && !w.labelSelector
        ),
      enqueue: (k, afterMs) => afterMs ? this.queue.addAfter(k, afterMs) : this.queue.add(k),
    };
  }
}

/**
 * The object without `metadata.managedFields`: server-side apply's bookkeeping, often the largest
 * part of an object's metadata, read by nobody here. An update (PUT) without the field keeps the
 * server's, so objects written back from the cache lose nothing.
 */
export function withoutManagedFields<T extends KubeObject>(obj: T): T {
  if (!obj.metadata?.managedFields) return obj;
  const { managedFields: _, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

/**
 * Status-only updates (our own writes, mostly) do not trigger a pass; spec, metadata and deletion
 * changes do. This keeps a status write from looping straight back into another reconcile.
 */
export function needsReconcile(obj: KubeObject, previous: KubeObject | undefined): boolean {
  if (!previous) return true;
  const a = obj.metadata;
  const b = previous.metadata;
  if (a.resourceVersion === b.resourceVersion) return false;
  return a.generation !== b.generation ||
    a.deletionTimestamp !== b.deletionTimestamp ||
    JSON.stringify(a.labels ?? {}) !== JSON.stringify(b.labels ?? {}) ||
    JSON.stringify(a.annotations ?? {}) !== JSON.stringify(b.annotations ?? {}) ||
    JSON.stringify(a.finalizers ?? []) !== JSON.stringify(b.finalizers ?? []);
}

/** Keys of the objects of `ownerType` that own `obj` (same namespace, by ownerReferences). */
export function ownerKeys(obj: KubeObject, ownerType: ResourceType): ObjectKey[] {
  const apiVersion = ownerType.group ? `${ownerType.group}/${ownerType.version}` : "v1";
  return (obj.metadata.ownerReferences ?? [])
    .filter((ref) =>
      ref.kind === ownerType.kind && ref.apiVersion.split("/")[0] === apiVersion.split("/")[0]
    )
    .map((ref) => keyOf({ namespace: obj.metadata.namespace, name: ref.name }));
}

/**
 * The API server refused the request itself (401, 403, 404, ...): retrying alone will not help,
 * unlike timeouts, throttling (429), conflicts and server errors.
 */
function isRefusal(err: unknown): boolean {
  return err instanceof ApiError && err.status >= 400 && err.status < 500 &&
    ![408, 409, 410, 429].includes(err.status);
}
