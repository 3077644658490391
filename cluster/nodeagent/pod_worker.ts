import type { KubeClient } from "../../lib/kube/client.ts";
import { isConflict, isNotFound } from "../../lib/kube/errors.ts";
import { Resources } from "../../lib/kube/resource.ts";
import { sleep } from "../../lib/runtime/backoff.ts";
import { type CrashBackoffOptions, exponentialDelay } from "./backoff.ts";
import { type ConfigSource, memoizedConfigSource } from "./config_source.ts";
import { ContainerLog } from "./container_log.ts";
import { type ContainerRole, ContainerRunner, type RunnerHost } from "./container_runner.ts";
import { expandReferences, resolveEnv } from "./env.ts";
import type { EventSink, PodEvent } from "./event_recorder.ts";
import type { PodAddressAllocator } from "./ip_allocator.ts";
import { describeError, type Logger } from "./log.ts";
import { computePodStatus, HOST_IP } from "./pod_status.ts";
import type { Container, ContainerStatus, Pod, PodStatus, TerminatedState } from "./pod_types.ts";
import type { ContainerRuntime, ContainerSpec } from "./runtime.ts";
import { chooseRuntime, type RuntimeChoice } from "./runtime_selection.ts";
import type { SharedTicker } from "./shared_ticker.ts";
import type { StateLayout } from "./state_layout.ts";
import type { StatusSubject } from "./status_writer.ts";
import { containerMounts, materializeVolume, VolumeError } from "./volumes.ts";

/** Everything pod workers share: one per node agent. */
export interface AgentContext {
  kube: KubeClient;
  nodeName: string;
  layout: StateLayout;
  runtimes: ContainerRuntime[];
  ips: PodAddressAllocator;
  ticker: SharedTicker;
  events: EventSink;
  statusWriter: { markDirty(subject: StatusSubject): void; forget(uid: string): void };
  annotationsOf(pod: Pod): Record<string, string>;
  /**
   * The same, once the owner chain is known (its informers may still be listing when a pod
   * arrives); bounded, so a missing owner only delays. Without it: annotationsOf.
   */
  settledAnnotationsOf?(pod: Pod): Promise<Record<string, string>>;
  configSource: ConfigSource;
  log: Logger;
  crashBackoff: CrashBackoffOptions;
  /** Retry timing for missing ConfigMaps/Secrets (volumes and env). */
  configRetry: { baseMs: number; maxMs: number };
  /** Also print container output on the agent's stdout (it always goes to the log file). */
  echoContainerLogs: boolean;
}

/**
 * setup: address, image check, volumes · blocked: an image no runtime accepts · init: running
 * init containers · running: main containers started · terminal: Succeeded/Failed, nothing runs ·
 * stopping: containers being stopped (deletion, removal or agent shutdown) · finished: all done.
 */
export type WorkerStage =
  | "setup"
  | "blocked"
  | "init"
  | "running"
  | "terminal"
  | "stopping"
  | "finished";

/** How long killed containers get to report their exit before the pod is cleaned up anyway. */
const KILL_WAIT_MS = 5_000;

/**
 * Runs one pod bound to this node, the way kubelet's pod worker does: assigns its loopback
 * address, materialises its volumes, runs init containers in order and then the main containers,
 * reports status, and on deletion stops the containers within the grace period, releases the
 * address, removes the pod object (the final, grace-period-0 delete) and its directories.
 */
export class PodWorker implements RunnerHost, StatusSubject {
  pod: Pod;
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  podIP = "";
  #stage: WorkerStage = "setup";
  #startTime: string;
  #readyToStart = false;
  #initialized = false;
  #inits: ContainerRunner[] = [];
  #mains: ContainerRunner[] = [];
  #lastStatus: PodStatus | undefined;
  readonly #setupAbort = new AbortController();
  readonly #logs = new Map<string, ContainerLog>();
  #imageKey = "";
  /** The annotations the pod's runtimes were chosen by; read once, when the pod starts. */
  #runtimeAnnotations: Record<string, string> | undefined;
  #imageBackoffTimer: ReturnType<typeof setTimeout> | undefined;
  #agentStopping = false;
  #killAt = Infinity;
  #killTimer: ReturnType<typeof setTimeout> | undefined;
  #stopping: Promise<void> | undefined;
  /** Resolved when containers ignored SIGKILL for KILL_WAIT_MS: clean up without them. */
  readonly #forceStopped = Promise.withResolvers<void>();

  constructor(private readonly ctx: AgentContext, pod: Pod) {
    this.pod = pod;
    this.uid = pod.metadata.uid!;
    this.namespace = pod.metadata.namespace ?? "default";
    this.name = pod.metadata.name!;
    this.#startTime = pod.status?.startTime ?? new Date().toISOString();
    this.#createRunners();
  }

  get stage(): WorkerStage {
    return this.#stage;
  }

  get stopping(): boolean {
    return this.#stage === "stopping" || this.#stage === "finished" || this.#agentStopping;
  }

  get ref(): string {
    return `${this.namespace}/${this.name}`;
  }

  /** Takes back the address the pod reported before a node agent restart, if still free. */
  claimPreviousAddress(): void {
    if (this.pod.spec.hostNetwork) return;
    const previous = this.pod.status?.podIP;
    if (previous && this.ctx.ips.reserve(previous, this.uid)) this.podIP = previous;
  }

  /** Starts working on the pod; call once, after claimPreviousAddress ran for all known pods. */
  begin(): void {
    this.#setup().catch((err) =>
      this.ctx.log.error(`${this.ref}: setup failed: ${describeError(err)}`)
    );
  }

  /** A newer version of the pod arrived from the watch. */
  update(pod: Pod): void {
    const conditionsBefore = pod.spec.readinessGates?.length
      ? JSON.stringify(this.pod.status?.conditions ?? [])
      : undefined;
    this.pod = pod;
    if (pod.metadata.deletionTimestamp) {
      this.#onDeletionRequested();
      return;
    }
    if (this.#stage === "blocked" && imageKey(pod) !== this.#imageKey) {
      // The spec's images changed (they are mutable): try again with the new ones.
      this.#createRunners();
      this.#stage = "setup";
      this.begin();
      return;
    }
    // Readiness gates are conditions others set: a change may flip Ready.
    if (
      conditionsBefore !== undefined &&
      JSON.stringify(pod.status?.conditions ?? []) !== conditionsBefore
    ) {
      this.#markDirty();
    }
  }

  /** The pod vanished from the API (force delete): kill everything now and clean up. */
  forceRemoved(): Promise<void> {
    if (this.#stage === "finished") return Promise.resolve();
    this.ctx.log.info(`${this.ref}: removed from the API; killing its containers`);
    return this.#stop({ graceMs: 0, deleteFromApi: false });
  }

  /** The agent is shutting down: stop containers gracefully, change nothing in the API. */
  shutdown(graceMs: number): Promise<void> {
    this.#agentStopping = true;
    return this.#stop({ graceMs, deleteFromApi: false, keepState: true });
  }

  // --- status -----------------------------------------------------------------------------------

  compute(): PodStatus | undefined {
    if (this.#stage === "finished" || this.#agentStopping) return undefined;
    const status = computePodStatus(
      this.pod,
      {
        podIP: this.podIP || undefined,
        startTime: this.#startTime,
        readyToStartContainers: this.#readyToStart,
        initContainerStatuses: this.#inits.map((r) => ({ ...r.status })),
        containerStatuses: this.#mains.map((r) => ({ ...r.status })),
        initialized: this.#initialized,
      },
      new Date().toISOString(),
      this.#lastStatus ?? this.pod.status,
    );
    this.#lastStatus = status;
    return status;
  }

  #markDirty(): void {
    this.ctx.statusWriter.markDirty(this);
  }

  // --- RunnerHost -------------------------------------------------------------------------------

  get ticker(): SharedTicker {
    return this.ctx.ticker;
  }

  get log(): Logger {
    return this.ctx.log;
  }

  get crashBackoff(): CrashBackoffOptions {
    return this.ctx.crashBackoff;
  }

  get configRetry() {
    return this.ctx.configRetry;
  }

  runtimeFor(image: string): ContainerRuntime | undefined {
    const choice = this.#runtimeChoice(image);
    return "runtime" in choice ? choice.runtime : undefined;
  }

  #runtimeChoice(image: string): RuntimeChoice {
    const annotations = this.#runtimeAnnotations ?? this.pod.metadata.annotations ?? {};
    return chooseRuntime(this.ctx.runtimes, image, annotations);
  }

  changed(_runner: ContainerRunner): void {
    this.#markDirty();
    this.#advance();
  }

  event(event: PodEvent): void {
    this.ctx.events.record(this.pod, event);
  }

  async buildSpec(container: Container): Promise<ContainerSpec> {
    const source = memoizedConfigSource(this.ctx.configSource);
    const env = await resolveEnv(this.pod, container, this.podIP, source);
    const expand = (word: string) => expandReferences(word, env);
    const scratchDir = this.ctx.layout.scratchDir(this.uid, container.name);
    await Deno.mkdir(scratchDir, { recursive: true });
    const log = this.#logFor(container.name);
    return {
      namespace: this.namespace,
      podName: this.name,
      podUid: this.uid,
      containerName: container.name,
      image: container.image ?? "",
      podIP: this.podIP,
      command: (container.command ?? []).map(expand),
      args: (container.args ?? []).map(expand),
      env,
      mounts: containerMounts(this.pod, container, this.ctx.layout),
      sharedFsRoot: this.ctx.layout.hostFsRoot,
      scratchDir,
      annotations: () => this.ctx.annotationsOf(this.pod),
      kube: this.ctx.kube,
      log: (message) => log.write(message),
      logFile: log.path,
    };
  }

  // --- lifecycle --------------------------------------------------------------------------------

  #createRunners(): void {
    const previous = (statuses: ContainerStatus[] | undefined, name: string) =>
      statuses?.find((s) => s.name === name);
    const status = this.pod.status;
    this.#inits = (this.pod.spec.initContainers ?? []).map((c) => {
      const role: ContainerRole = c.restartPolicy === "Always" ? "sidecar" : "init";
      return this.#runner(c, role, previous(status?.initContainerStatuses, c.name));
    });
    this.#mains = this.pod.spec.containers.map((c) =>
      this.#runner(c, "regular", previous(status?.containerStatuses, c.name))
    );
    if (this.#inits.length > 0) { for (const r of this.#mains) r.setWaiting("PodInitializing"); }
    this.#imageKey = imageKey(this.pod);
  }

  #runner(
    container: Container,
    role: ContainerRole,
    previous: ContainerStatus | undefined,
  ): ContainerRunner {
    return new ContainerRunner(this, container, role, previous);
  }

  async #setup(): Promise<void> {
    // hostNetwork pods share the node's address, as they would share its network namespace.
    if (!this.podIP) {
      this.podIP = this.pod.spec.hostNetwork ? HOST_IP : this.ctx.ips.allocate(this.uid);
    }
    this.ctx.log.info(`${this.ref}: assigned ${this.podIP}`);
    this.#markDirty();

    this.#runtimeAnnotations ??= this.ctx.settledAnnotationsOf
      ? await this.ctx.settledAnnotationsOf(this.pod)
      : this.ctx.annotationsOf(this.pod);
    if (this.stopping) return;
    if (!this.#checkImages()) return;
    this.#recoverAfterAgentRestart();
    if (!await this.#mountVolumes()) return;
    if (this.stopping) return;
    this.#readyToStart = true;
    this.#stage = this.#initialized ? "running" : "init";
    this.#markDirty();
    this.#advance();
  }

  /**
   * Every container image must be runnable by some runtime, or nothing in the pod starts. Like an
   * image that cannot be pulled, the pod stays Pending with ErrImagePull, then ImagePullBackOff:
   * failing it instead would make its ReplicaSet create replacement pods in a tight loop.
   */
  #checkImages(): boolean {
    const all = [...this.#inits, ...this.#mains];
    const unrunnable = all.flatMap((runner) => {
      const choice = this.#runtimeChoice(runner.container.image ?? "");
      return "reason" in choice ? [{ runner, message: choice.reason }] : [];
    });
    if (unrunnable.length === 0) return true;
    this.#stage = "blocked";
    for (const { runner, message } of unrunnable) {
      const image = runner.container.image ?? "";
      runner.setWaiting("ErrImagePull", message);
      this.event({
        type: "Warning",
        reason: "Failed",
        message: `Failed to pull image "${image}": ${message}`,
        container: runner.name,
      });
      this.ctx.log.warn(`${this.ref}/${runner.name}: ${message}`);
    }
    clearTimeout(this.#imageBackoffTimer);
    this.#imageBackoffTimer = setTimeout(() => {
      if (this.#stage !== "blocked") return;
      for (const { runner } of unrunnable) {
        const image = runner.container.image ?? "";
        const waiting = runner.status.state.waiting;
        runner.setWaiting("ImagePullBackOff", waiting?.message);
        this.event({
          type: "Normal",
          reason: "BackOff",
          message: `Back-off pulling image "${image}"`,
          container: runner.name,
        });
      }
      this.#markDirty();
    }, this.ctx.crashBackoff.baseMs);
    this.#markDirty();
    return false;
  }

  /**
   * The agent is every container's runtime, so its containers died with a previous agent process.
   * The pod's reported status says what had happened: finished init containers and containers
   * that terminated for good stay so, running ones count as lost and restart (or, under
   * restartPolicy Never, are reported terminated).
   */
  #recoverAfterAgentRestart(): void {
    const status = this.pod.status;
    if (!status?.containerStatuses?.length && !status?.initContainerStatuses?.length) return;
    const now = new Date().toISOString();
    const policy = this.pod.spec.restartPolicy ?? "Always";
    const initializedBefore = status.conditions?.some((c) =>
      c.type === "Initialized" && c.status === "True"
    );
    if (initializedBefore) {
      this.#initialized = true;
      for (const runner of this.#inits) {
        const prev = status.initContainerStatuses?.find((s) => s.name === runner.name);
        if (runner.role === "sidecar") continue;
        runner.markTerminated(
          prev?.state.terminated ?? { exitCode: 0, reason: "Completed", finishedAt: now },
        );
      }
    }
    for (const runner of this.#mains) {
      const prev = status.containerStatuses?.find((s) => s.name === runner.name);
      if (!prev) continue;
      const lost: TerminatedState = {
        exitCode: 137,
        reason: "ContainerStatusUnknown",
        message: "The container could not be located when the node agent restarted",
        startedAt: prev.state.running?.startedAt,
        finishedAt: now,
      };
      const ended = prev.state.terminated;
      if (ended) {
        const restarts = policy === "Always" || (policy === "OnFailure" && ended.exitCode !== 0);
        if (restarts) runner.noteLostInstance(ended);
        else runner.markTerminated(ended);
      } else if (prev.state.running) {
        if (policy === "Never") runner.markTerminated(lost);
        else runner.noteLostInstance(lost);
      } else if (prev.lastState.terminated) {
        runner.noteLostInstance(prev.lastState.terminated);
      }
    }
  }

  /** Retries until every volume is on disk; false when the pod started stopping meanwhile. */
  async #mountVolumes(): Promise<boolean> {
    const pending = [...(this.pod.spec.volumes ?? [])];
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (this.stopping) return false;
      const source = memoizedConfigSource(this.ctx.configSource);
      const failures: string[] = [];
      for (const volume of [...pending]) {
        try {
          const result = await materializeVolume(
            this.pod,
            volume,
            this.podIP,
            this.ctx.layout,
            source,
          );
          if (result.unsupported) {
            this.ctx.log.warn(
              `${this.ref}: volume "${volume.name}" (${result.unsupported}) is not supported; using an empty directory`,
            );
          }
          pending.splice(pending.indexOf(volume), 1);
        } catch (err) {
          const reason = err instanceof VolumeError ? err.message : describeError(err);
          const message = `MountVolume.SetUp failed for volume "${volume.name}" : ${reason}`;
          failures.push(message);
          this.event({ type: "Warning", reason: "FailedMount", message });
        }
      }
      if (pending.length === 0) break;
      const delay = exponentialDelay(
        attempt,
        this.ctx.configRetry.baseMs,
        this.ctx.configRetry.maxMs,
      );
      this.ctx.log.warn(`${this.ref}: ${failures.join("; ")}; retrying in ${delay} ms`);
      await sleep(delay, this.#setupAbort.signal);
    }
    return !this.stopping;
  }

  /** Moves the pod forward after any container change: next init container, mains, terminal. */
  #advance(): void {
    if (this.#stage === "init") {
      for (const runner of this.#inits) {
        if (runner.role === "sidecar") {
          if (runner.phase === "idle") runner.start();
          if (!runner.status.started && runner.phase !== "done") return;
          continue;
        }
        if (runner.succeeded) continue;
        if (runner.phase === "done") return this.#becomeTerminal(); // failed under restartPolicy Never
        if (runner.phase === "idle") runner.start();
        return;
      }
      this.#initialized = true;
      this.#stage = "running";
      for (const runner of this.#mains) runner.setWaiting("ContainerCreating");
      this.#markDirty();
    }
    if (this.#stage === "running") {
      for (const runner of [...this.#inits, ...this.#mains]) {
        if (runner.phase === "idle" && runner.role !== "init") runner.start();
      }
      if (this.#mains.every((r) => r.phase === "done")) this.#becomeTerminal();
    }
  }

  #becomeTerminal(): void {
    this.#stage = "terminal";
    for (const runner of this.#inits) if (runner.role === "sidecar") void runner.stop();
    // Finished pods may stay around for long (Jobs); do not hold their log files open.
    for (const log of this.#logs.values()) void log.close();
    this.ctx.log.info(`${this.ref}: all containers finished`);
    this.#markDirty();
  }

  #onDeletionRequested(): void {
    const graceSeconds = this.pod.metadata.deletionGracePeriodSeconds ??
      this.pod.spec.terminationGracePeriodSeconds ?? 30;
    const killAt = Date.now() + graceSeconds * 1000;
    if (this.#stopping) {
      // A second delete may shorten the grace period; never lengthen it.
      if (killAt < this.#killAt) this.#scheduleKill(killAt);
      return;
    }
    this.ctx.log.info(
      `${this.ref}: deletion requested (grace ${graceSeconds}s); stopping containers`,
    );
    void this.#stop({ graceMs: graceSeconds * 1000, deleteFromApi: true });
  }

  /** Stops all containers (SIGTERM, then SIGKILL after graceMs) and cleans up. Idempotent. */
  #stop(opts: { graceMs: number; deleteFromApi: boolean; keepState?: boolean }): Promise<void> {
    if (this.#stopping) {
      if (opts.graceMs === 0) this.#scheduleKill(Date.now());
      return this.#stopping;
    }
    this.#stopping = this.#runStop(opts).catch((err) =>
      this.ctx.log.error(`${this.ref}: cleanup failed: ${describeError(err)}`)
    );
    return this.#stopping;
  }

  async #runStop(
    opts: { graceMs: number; deleteFromApi: boolean; keepState?: boolean },
  ): Promise<void> {
    const previousStage = this.#stage;
    this.#stage = "stopping";
    this.#setupAbort.abort();
    clearTimeout(this.#imageBackoffTimer);
    const runners = [...this.#inits, ...this.#mains];
    for (const runner of runners) {
      if (runner.isRunning && opts.graceMs > 0) {
        this.event({
          type: "Normal",
          reason: "Killing",
          message: `Stopping container ${runner.name}`,
          container: runner.name,
        });
      }
    }
    const allStopped = Promise.all(runners.map((r) => r.stop()));
    this.#scheduleKill(Date.now() + opts.graceMs);
    await Promise.race([allStopped, this.#forceStopped.promise]);
    clearTimeout(this.#killTimer);
    for (const runner of runners) runner.dispose();
    await Promise.all([...this.#logs.values()].map((log) => log.close()));
    if (opts.keepState) return;

    if (this.podIP && !this.pod.spec.hostNetwork) this.ctx.ips.release(this.podIP);
    if (opts.deleteFromApi) await this.#finalDelete();
    this.ctx.statusWriter.forget(this.uid);
    this.ctx.events.forget(this.uid);
    await removePodDir(this.ctx.layout.podDir(this.uid));
    this.#stage = "finished";
    this.ctx.log.info(`${this.ref}: cleaned up (was ${previousStage})`);
  }

  /** SIGKILLs whatever still runs at `at`; each container then gets KILL_WAIT_MS to report. */
  #scheduleKill(at: number): void {
    this.#killAt = at;
    clearTimeout(this.#killTimer);
    this.#killTimer = setTimeout(() => {
      const runners = [...this.#inits, ...this.#mains].filter((r) => r.isRunning);
      if (runners.length === 0) return;
      this.ctx.log.info(
        `${this.ref}: grace period over; killing ${runners.map((r) => r.name).join(", ")}`,
      );
      for (const runner of runners) runner.kill();
      // A runtime that never reports the exit must not keep the pod forever.
      this.#killTimer = setTimeout(() => {
        for (const runner of runners) runner.dispose();
        this.ctx.log.warn(
          `${this.ref}: containers did not report their exit after SIGKILL; cleaning up anyway`,
        );
        this.#forceStopped.resolve();
      }, KILL_WAIT_MS);
    }, Math.max(0, at - Date.now()));
  }

  /** kubelet's last word on a pod: delete it with grace period 0 (uid-guarded), retrying. */
  async #finalDelete(): Promise<void> {
    for (let attempt = 0; attempt < 10; attempt++) {
      try {
        await this.ctx.kube.delete(Resources.pods, this.namespace, this.name, {
          gracePeriodSeconds: 0,
          preconditions: { uid: this.uid },
        });
        return;
      } catch (err) {
        if (isNotFound(err) || isConflict(err)) return;
        this.ctx.log.warn(`${this.ref}: final delete failed (${describeError(err)}); retrying`);
        await sleep(exponentialDelay(attempt, 500, 10_000));
      }
    }
  }

  #logFor(container: string): ContainerLog {
    let log = this.#logs.get(container);
    if (!log) {
      const path = this.ctx.layout.logFile(this.namespace, this.name, this.uid, container);
      const prefix = `[${this.ref}/${container}]`;
      log = new ContainerLog(
        path,
        this.ctx.echoContainerLogs ? (m) => console.log(`${prefix} ${m}`) : undefined,
      );
      this.#logs.set(container, log);
    }
    return log;
  }
}

function imageKey(pod: Pod): string {
  return [...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((c) => c.image ?? "")
    .join("\n");
}

async function removePodDir(dir: string): Promise<void> {
  try {
    await Deno.remove(dir, { recursive: true });
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
}
