import type { KubeClient } from "../../lib/kube/client.ts";
import { isConflict, isNotFound } from "../../lib/kube/errors.ts";
import { type KubeObject, Resources } from "../../lib/kube/resource.ts";
import type { CrashBackoffOptions } from "./backoff.ts";
import { apiConfigSource } from "./config_source.ts";
import { EventRecorder } from "./event_recorder.ts";
import { Informer } from "./informer.ts";
import { PodAddressAllocator } from "./ip_allocator.ts";
import { describeError, type Logger } from "./log.ts";
import { nodeLabels } from "./node_object.ts";
import { NodeRegistration, type NodeRegistrationOptions } from "./node_registration.ts";
import { PodBinder } from "./pod_binder.ts";
import { isTerminalPhase, type Pod, podRef } from "./pod_types.ts";
import { type AgentContext, PodWorker } from "./pod_worker.ts";
import type { ContainerRuntime } from "./runtime.ts";
import { OwnerAnnotations } from "./owner_annotations.ts";
import { SharedTicker } from "./shared_ticker.ts";
import { StateLayout } from "./state_layout.ts";
import { StatusWriter } from "./status_writer.ts";

export interface NodeAgentOptions {
  kube: KubeClient;
  nodeName: string;
  stateDir: string;
  runtimes: ContainerRuntime[];
  crashBackoff: CrashBackoffOptions;
  log: Logger;
  echoContainerLogs?: boolean;
  /** Retry timing for missing ConfigMaps/Secrets; defaults to 0.5 s doubling to 8 s. */
  configRetry?: { baseMs: number; maxMs: number };
  heartbeat?: NodeRegistrationOptions;
  /** Pod addresses; defaults to the loopback pool. */
  addresses?: PodAddressAllocator;
}

/**
 * The node agent: registers the Node, binds unscheduled pods to it, and runs every pod bound to
 * it through a PodWorker. One cluster-wide pod watch drives everything.
 */
export class NodeAgent {
  readonly #abort = new AbortController();
  readonly #workers = new Map<string, PodWorker>();
  readonly #finalDeletes = new Set<string>();
  readonly #ctx: AgentContext;
  readonly #binder: PodBinder;
  readonly #registration: NodeRegistration;
  readonly #pods: Informer<Pod>;
  readonly #statusWriter: StatusWriter;
  readonly #owners: OwnerAnnotations;
  #begun = false;
  #background: Promise<unknown> | undefined;

  constructor(private readonly opts: NodeAgentOptions) {
    const { kube, log, nodeName } = opts;
    const events = new EventRecorder(kube, nodeName, log);
    this.#statusWriter = new StatusWriter(kube, log);
    this.#owners = new OwnerAnnotations(kube, log, this.#abort.signal);
    this.#ctx = {
      kube,
      nodeName,
      layout: new StateLayout(opts.stateDir),
      runtimes: opts.runtimes,
      ips: opts.addresses ?? new PodAddressAllocator(),
      ticker: new SharedTicker(
        250,
        64,
        Date.now,
        (err) => log.error(`probe failed: ${describeError(err)}`),
      ),
      events,
      statusWriter: this.#statusWriter,
      annotationsOf: (pod) => this.#owners.annotationsOf(pod),
      settledAnnotationsOf: (pod) => this.#owners.settledAnnotationsOf(pod),
      configSource: apiConfigSource(kube),
      log,
      crashBackoff: opts.crashBackoff,
      configRetry: opts.configRetry ?? { baseMs: 500, maxMs: 8_000 },
      echoContainerLogs: opts.echoContainerLogs ?? false,
    };
    this.#binder = new PodBinder(kube, nodeName, nodeLabels(nodeName), events, log);
    this.#registration = new NodeRegistration(kube, nodeName, log, opts.heartbeat);
    this.#pods = new Informer<Pod>(kube, Resources.pods, {
      name: "pods",
      log,
      transform: withoutManagedFields,
      onChange: (type, pod) =>
        type === "DELETED" ? this.#onPodDeleted(pod) : this.#onPodChanged(pod),
    });
  }

  /** Registers the Node, then starts watching pods; resolves once the first pod list is handled. */
  async start(): Promise<void> {
    const { log, nodeName, runtimes } = this.opts;
    await Deno.mkdir(this.#ctx.layout.root, { recursive: true });
    log.info(
      `node agent starting: node ${nodeName}, state ${this.#ctx.layout.root}, runtimes ${
        runtimes.map((r) => r.name).join(", ")
      }`,
    );
    await this.#registration.register(this.#abort.signal);
    this.#background = Promise.all([
      this.#registration.run(this.#abort.signal),
      this.#pods.run(this.#abort.signal),
    ]);
    await Promise.race([this.#pods.synced, this.#background]);
    if (this.#abort.signal.aborted) return;

    // Addresses pods already report (agent restart) are claimed before any new pod gets one.
    for (const worker of this.#workers.values()) worker.claimPreviousAddress();
    this.#begun = true;
    for (const worker of this.#workers.values()) worker.begin();
    await this.#removeOrphanedPodDirs();
    log.info(`node agent ready: ${this.#workers.size} pod(s) bound to ${nodeName}`);
  }

  /** Stops every container gracefully (up to graceMs), then the watches. Changes nothing in the API. */
  async stop(graceMs = 10_000): Promise<void> {
    this.opts.log.info(`node agent stopping ${this.#workers.size} pod(s)`);
    this.#binder.stop();
    await Promise.all([...this.#workers.values()].map((w) => w.shutdown(graceMs)));
    this.#abort.abort();
    this.#ctx.ticker.stop();
    await this.#background;
  }

  #onPodChanged(pod: Pod): void {
    const uid = pod.metadata.uid!;
    const nodeName = pod.spec.nodeName;
    if (!nodeName) {
      this.#binder.consider(pod);
      return;
    }
    if (nodeName !== this.opts.nodeName) return;

    const worker = this.#workers.get(uid);
    if (worker) {
      worker.update(pod);
      return;
    }
    if (isTerminalPhase(pod.status?.phase) || pod.metadata.deletionTimestamp) {
      // Nothing of it runs here (it finished, or the agent restarted while it was being deleted):
      // only the final delete remains, once deletion was requested.
      if (pod.metadata.deletionTimestamp) void this.#finalDelete(pod);
      return;
    }
    const created = new PodWorker(this.#ctx, pod);
    this.#workers.set(uid, created);
    this.#owners.track(pod);
    if (this.#begun) created.begin();
  }

  #onPodDeleted(pod: Pod): void {
    const uid = pod.metadata.uid!;
    this.#binder.forget(uid);
    const worker = this.#workers.get(uid);
    if (!worker) return;
    worker.forceRemoved().finally(() => {
      if (this.#workers.get(uid) === worker) this.#workers.delete(uid);
    });
  }

  async #finalDelete(pod: Pod): Promise<void> {
    const uid = pod.metadata.uid!;
    if (this.#finalDeletes.has(uid)) return;
    this.#finalDeletes.add(uid);
    try {
      await this.opts.kube.delete(Resources.pods, pod.metadata.namespace, pod.metadata.name!, {
        gracePeriodSeconds: 0,
        preconditions: { uid },
      });
      this.opts.log.info(`${podRef(pod)}: deleted (nothing was running)`);
      await Deno.remove(this.#ctx.layout.podDir(uid), { recursive: true }).catch(() => {});
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) {
        this.opts.log.warn(`${podRef(pod)}: final delete failed: ${describeError(err)}`);
      }
    } finally {
      this.#finalDeletes.delete(uid);
    }
  }

  /** Pod directories of pods removed while the agent was down. */
  async #removeOrphanedPodDirs(): Promise<void> {
    const podsDir = `${this.#ctx.layout.root}/pods`;
    try {
      for await (const entry of Deno.readDir(podsDir)) {
        if (entry.isDirectory && !this.#workers.has(entry.name)) {
          await Deno.remove(`${podsDir}/${entry.name}`, { recursive: true }).catch(() => {});
        }
      }
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
  }
}

/** managedFields are often the bulk of a pod and nothing here reads them: keep them out of memory. */
function withoutManagedFields(obj: KubeObject): Pod {
  const { managedFields: _, ...metadata } = obj.metadata;
  return { ...obj, metadata } as unknown as Pod;
}
