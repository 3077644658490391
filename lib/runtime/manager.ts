import { getLogger } from "@logtape/logtape";
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/resource.ts";
import type { BackoffPolicy } from "./backoff.ts";
import {
  Controller,
  type ControllerRuntime,
  type ControllerSpec,
  type ResourceObserver,
  WatchStartError,
} from "./controller.ts";
import { EventRecorder } from "./events.ts";
import { type LeaderElectionOptions, LeaderElector } from "./leader.ts";
import { RuntimeMetrics } from "./metrics.ts";
import { SharedSlots } from "./queue.ts";
import type { RateLimit } from "./rate_limiter.ts";
import { StatusWriter } from "./status.ts";

const log = getLogger(["flinkop", "runtime", "manager"]);

export interface ManagerOptions {
  client: KubeClient;
  namespaces?: string[];
  /** Reconciles at a time across all controllers (FKO's one reconciler thread pool). */
  concurrency: number;
  retry: BackoffPolicy;
  maxAttempts: number;
  resyncMs: number;
  /** Per-object limit of passes per window (see rate_limiter.ts); absent: unlimited. */
  rateLimit?: RateLimit;
  /**
   * "fail": `run` throws a {@link WatchStartError} when a watch's first list is refused (e.g.
   * forbidden); "retry" (default): reconcile what can be watched and keep retrying the rest.
   */
  watchStartErrors?: "fail" | "retry";
  leaderElection?: LeaderElectionOptions;
  /** Port for /healthz, /readyz and /metrics; undefined disables the server, 0 picks a free one. */
  healthPort?: number;
  healthHost?: string;
  /** A watcher failing continuously for this long makes /healthz fail (a restart may help). */
  unhealthyAfterMs?: number;
  /** How long graceful shutdown waits for in-flight reconciles. */
  terminationTimeoutMs?: number;
}

/** Why `run` returned: a requested shutdown (exit 0) or a lost leader lease (exit non-zero). */
export type ManagerExit = "shutdown" | "leadership-lost";

/**
 * Owns everything around the controllers: the shared status writer, event recorder and metrics,
 * leader election, the probe/metrics HTTP server, and shutdown. Controllers start only while this
 * instance leads; losing the lease aborts every controller at once.
 */
export class Manager {
  readonly metrics = new RuntimeMetrics();
  /** Told about every primary object of every controller (add before `run`). */
  readonly observers: ResourceObserver[] = [];
  readonly status: StatusWriter;
  readonly events: EventRecorder;
  readonly #controllers: Controller<KubeObject>[] = [];
  readonly #healthChecks: { name: string; healthy: () => boolean }[] = [];
  readonly #slots: SharedSlots;
  #server?: Deno.HttpServer;
  #leader?: LeaderElector;
  #started = false;

  constructor(private readonly opts: ManagerOptions) {
    this.status = new StatusWriter(opts.client);
    this.events = new EventRecorder(opts.client);
    this.#slots = new SharedSlots(opts.concurrency);
  }

  add<T extends KubeObject & { status?: unknown }>(spec: ControllerSpec<T>): Controller<T> {
    const rt: ControllerRuntime = {
      client: this.opts.client,
      observers: this.observers,
      status: this.status,
      events: this.events,
      metrics: this.metrics,
      namespaces: this.opts.namespaces,
      concurrency: this.#slots,
      retry: this.opts.retry,
      maxAttempts: this.opts.maxAttempts,
      resyncMs: this.opts.resyncMs,
      rateLimit: this.opts.rateLimit,
      watchStartErrors: this.opts.watchStartErrors,
    };
    const controller = new Controller(spec, rt);
    this.#controllers.push(controller as unknown as Controller<KubeObject>);
    return controller;
  }

  get controllers(): readonly Controller<KubeObject>[] {
    return this.#controllers;
  }

  /** The bound address of the probe server (after `run` started it). */
  get healthAddr(): Deno.NetAddr | undefined {
    return this.#server?.addr as Deno.NetAddr | undefined;
  }

  /** Watched namespaces (undefined: all); see {@link setNamespaces}. */
  get namespaces(): readonly string[] | undefined {
    return this.opts.namespaces;
  }

  /**
   * Changes the namespaces every controller watches, while running or before: watches of
   * dropped namespaces stop (their objects are forgotten, not touched), new ones start.
   */
  setNamespaces(namespaces: readonly string[] | undefined): void {
    this.opts.namespaces = namespaces && [...namespaces];
    for (const c of this.#controllers) c.setNamespaces(namespaces);
  }

  /** Adds a condition `/healthz` requires (e.g. a domain check); `name` is reported on failure. */
  addHealthCheck(name: string, healthy: () => boolean): void {
    this.#healthChecks.push({ name, healthy });
  }

  get ready(): boolean {
    if (!this.#started) return false;
    if (this.#leader && !this.#leader.isLeader) return true; // a standby is ready to take over
    return this.#controllers.every((c) => c.reconciling);
  }

  get healthy(): boolean {
    return this.unhealthy.length === 0;
  }

  /**
   * What makes `/healthz` fail: a lost lease; a watch that had synced and has been failing for
   * `unhealthyAfterMs`; every watch failing; a failed health check. A watch that never started
   * (tolerated under the "retry" policy) does not count on its own, as in JOSDK.
   */
  get unhealthy(): string[] {
    const problems: string[] = [];
    if (this.#leader?.lost.aborted) problems.push("leader lease lost");
    const limit = this.opts.unhealthyAfterMs ?? 5 * 60_000;
    const now = Date.now();
    const watchers = this.#controllers.flatMap((c) => c.watchers);
    const failing = (w: { lastError: unknown; lastContact: number }) =>
      w.lastError !== undefined && now - w.lastContact >= limit;
    for (const w of watchers) {
      if (w.isSynced && failing(w)) {
        problems.push(`${w.kind} watch ${w.namespace ?? "cluster-wide"} failing`);
      }
    }
    if (watchers.length > 0 && watchers.every(failing)) problems.push("every watch is failing");
    for (const check of this.#healthChecks) {
      let ok = false;
      try {
        ok = check.healthy();
      } catch (err) {
        log.warn("health check {check} failed: {error}", { check: check.name, error: String(err) });
      }
      if (!ok) problems.push(check.name);
    }
    return problems;
  }

  async run(signal: AbortSignal): Promise<ManagerExit> {
    this.#startServer();
    this.#started = true;
    try {
      if (this.opts.leaderElection) {
        const leader = this.#leader = new LeaderElector(this.opts.client, this.opts.leaderElection);
        if (!await leader.acquire(signal)) return "shutdown";
        this.metrics.leader.set({}, 1);
        const work = new AbortController();
        const stop = () => work.abort();
        signal.addEventListener("abort", stop, { once: true });
        leader.lost.addEventListener("abort", stop, { once: true });
        const renewing = leader.keepRenewing(signal);
        await this.#runControllers(work.signal);
        if (leader.lost.aborted) {
          this.metrics.leader.set({}, 0);
          return "leadership-lost";
        }
        await renewing;
        this.metrics.leader.set({}, 0);
        return "shutdown";
      }
      await this.#runControllers(signal);
      return "shutdown";
    } finally {
      await this.#server?.shutdown();
    }
  }

  async #runControllers(signal: AbortSignal): Promise<void> {
    const work = new AbortController();
    const stop = () => work.abort();
    signal.addEventListener("abort", stop, { once: true });
    let failure: WatchStartError | undefined;
    const running = Promise.allSettled(this.#controllers.map(async (c) => {
      try {
        await c.run(work.signal);
      } catch (err) {
        if (!(err instanceof WatchStartError)) throw err;
        failure ??= err;
        work.abort();
      }
    }));
    await new Promise((r) => work.signal.addEventListener("abort", r, { once: true }));
    signal.removeEventListener("abort", stop);
    const timeout = this.opts.terminationTimeoutMs ?? 10_000;
    log.info("stopping controllers (waiting up to {ms} ms for in-flight reconciles)", {
      ms: timeout,
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      running,
      new Promise((r) => timer = setTimeout(r, timeout)),
    ]);
    clearTimeout(timer);
    if (failure) throw failure;
  }

  #startServer(): void {
    if (this.opts.healthPort === undefined) return;
    this.#server = Deno.serve({
      port: this.opts.healthPort,
      hostname: this.opts.healthHost ?? "0.0.0.0",
      onListen: () => {},
    }, (req) => {
      const path = new URL(req.url).pathname;
      if (path === "/healthz" || path === "/livez") {
        const problems = this.unhealthy;
        return problems.length === 0
          ? new Response("ok\n")
          : new Response(`unhealthy: ${problems.join("; ")}\n`, { status: 500 });
      }
      if (path === "/readyz") {
        return this.ready ? new Response("ok\n") : new Response("not ready\n", { status: 503 });
      }
      if (path === "/metrics") {
        return new Response(this.metrics.registry.render(), {
          headers: { "content-type": "text/plain; version=0.0.4" },
        });
      }
      return new Response("not found\n", { status: 404 });
    });
  }
}
