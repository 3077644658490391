import { CrashBackoff, type CrashBackoffOptions, exponentialDelay } from "./backoff.ts";
import { ConfigError } from "./config_source.ts";
import { ContainerProbes } from "./container_probes.ts";
import type { PodEvent } from "./event_recorder.ts";
import { describeError, type Logger } from "./log.ts";
import type {
  Container,
  ContainerState,
  ContainerStatus,
  Pod,
  TerminatedState,
} from "./pod_types.ts";
import type {
  ContainerExit,
  ContainerRuntime,
  ContainerSpec,
  RunningContainer,
} from "./runtime.ts";
import type { SharedTicker } from "./shared_ticker.ts";

/** What a ContainerRunner needs from its pod. */
export interface RunnerHost {
  readonly pod: Pod;
  readonly podIP: string;
  /** The pod is being deleted or the agent is stopping: never (re)start anything. */
  readonly stopping: boolean;
  buildSpec(container: Container): Promise<ContainerSpec>;
  runtimeFor(image: string): ContainerRuntime | undefined;
  /** Something in this container's status changed. */
  changed(runner: ContainerRunner): void;
  event(event: PodEvent): void;
  readonly ticker: SharedTicker;
  readonly log: Logger;
  readonly crashBackoff: CrashBackoffOptions;
  /** Retry timing for CreateContainerConfigError (a missing ConfigMap/Secret). */
  readonly configRetry: { baseMs: number; maxMs: number };
}

/** "sidecar" is an init container with restartPolicy Always. */
export type ContainerRole = "init" | "sidecar" | "regular";

/**
 * idle: not started yet · starting: resolving config / runtime.start pending · running ·
 * waiting: back-off before a restart or a config retry · done: terminated for good.
 */
export type RunnerPhase = "idle" | "starting" | "running" | "waiting" | "done";

/**
 * One container of a pod: starts it through its runtime, restarts it per the pod's restartPolicy
 * with kubelet's crash back-off, runs its probes, and keeps its Kubernetes ContainerStatus.
 */
export class ContainerRunner {
  readonly status: ContainerStatus;
  #phase: RunnerPhase = "idle";
  #running: RunningContainer | undefined;
  #exited: Promise<void> | undefined;
  #probes: ContainerProbes | undefined;
  /** Bumped on every launch so a late exit or start of an older instance is ignored. */
  #instance = 0;
  #launches: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #configFailures = 0;
  #stopRequested = false;
  #killRequested = false;
  #launching: Promise<void> | undefined;
  #lastTermination: TerminatedState | undefined;
  readonly #backoff: CrashBackoff;

  constructor(
    private readonly host: RunnerHost,
    readonly container: Container,
    readonly role: ContainerRole,
    previous?: ContainerStatus,
  ) {
    this.#backoff = new CrashBackoff(host.crashBackoff);
    // A container that already ran before an agent restart: its next start is a restart.
    this.#launches = previous && previous.restartCount > 0 ? 1 : 0;
    this.status = {
      name: container.name,
      image: container.image ?? "",
      imageID: "",
      ready: false,
      started: false,
      restartCount: previous?.restartCount ?? 0,
      state: { waiting: { reason: role === "regular" ? "ContainerCreating" : "PodInitializing" } },
      lastState: previous?.lastState ?? {},
    };
  }

  get name(): string {
    return this.container.name;
  }

  get phase(): RunnerPhase {
    return this.#phase;
  }

  /** Terminated with exit code 0 and not going to run again. */
  get succeeded(): boolean {
    return this.#phase === "done" && this.status.state.terminated?.exitCode === 0;
  }

  /** Sets the waiting reason of a container that has not started (e.g. ErrImagePull). */
  setWaiting(reason: string, message?: string): void {
    if (this.#phase !== "idle") return;
    this.#setState({ waiting: message ? { reason, message } : { reason } });
  }

  /**
   * Marks a container that will never run as terminated, e.g. one that was running before the
   * node agent restarted in a pod with restartPolicy Never.
   */
  markTerminated(state: TerminatedState): void {
    this.#clearTimer();
    this.#phase = "done";
    this.#setState({ terminated: state });
  }

  /** Starts the container unless it already runs or is done. */
  start(): void {
    if (this.#phase !== "idle" && this.#phase !== "waiting") return;
    this.#clearTimer();
    this.#launching = this.#launch().catch((err) => {
      this.#phase = "done";
      this.host.log.error(`${this.#ref()}: launch failed: ${describeError(err)}`);
    });
  }

  /** SIGTERM: asks the container to stop and never restarts it; resolves when it has exited. */
  async stop(): Promise<void> {
    this.#stopRequested = true;
    this.#clearTimer();
    await this.#launching;
    if (this.#running) {
      this.#running.terminate();
      await this.#exited;
    }
    if (this.#phase !== "done") this.#phase = "done";
  }

  /** SIGKILL for a container that did not stop in time. */
  kill(): void {
    this.#stopRequested = true;
    this.#killRequested = true;
    this.#clearTimer();
    this.#running?.kill();
  }

  /**
   * Records that an instance from before a node agent restart is gone (the agent is the runtime,
   * so its containers died with it): it shows as the last termination, and the next start counts
   * as a restart.
   */
  noteLostInstance(terminated: TerminatedState): void {
    this.#lastTermination = terminated;
    this.#launches = Math.max(this.#launches, 1);
    this.status.lastState = { terminated };
  }

  get isRunning(): boolean {
    return this.#running !== undefined;
  }

  /** Releases timers and the ticker slot; the container must have exited (or never started). */
  dispose(): void {
    this.#stopRequested = true;
    this.#clearTimer();
    this.#stopProbes();
  }

  async #launch(): Promise<void> {
    const instance = ++this.#instance;
    this.#phase = "starting";
    let spec: ContainerSpec;
    try {
      spec = await this.host.buildSpec(this.container);
    } catch (err) {
      if (instance !== this.#instance) return;
      if (this.#stopRequested || this.host.stopping) {
        this.#phase = "done";
        return;
      }
      if (!(err instanceof ConfigError)) throw err;
      const delay = exponentialDelay(
        this.#configFailures++,
        this.host.configRetry.baseMs,
        this.host.configRetry.maxMs,
      );
      this.#phase = "waiting";
      this.#setState({ waiting: { reason: "CreateContainerConfigError", message: err.message } });
      this.host.event({
        type: "Warning",
        reason: "Failed",
        message: `Error: ${err.message}`,
        container: this.name,
      });
      this.host.log.warn(
        `${this.#ref()}: CreateContainerConfigError: ${err.message}; retrying in ${delay} ms`,
      );
      this.#timer = setTimeout(() => this.start(), delay);
      return;
    }
    if (instance !== this.#instance) return;
    if (this.#stopRequested || this.host.stopping) {
      this.#phase = "done";
      return;
    }
    this.#configFailures = 0;

    const image = this.container.image ?? "";
    const runtime = this.host.runtimeFor(image);
    const runtimeName = runtime?.name ?? "none";
    if (this.#launches++ > 0) this.status.restartCount++;
    const containerID =
      `${runtimeName}://${this.host.pod.metadata.uid}/${this.name}/${this.status.restartCount}`;
    this.status.containerID = containerID;
    this.status.imageID = `${runtimeName}://${image}`;
    const startedAtMs = Date.now();

    let running: RunningContainer;
    try {
      if (!runtime) throw new Error(`no runtime accepts image "${image}"`);
      running = await runtime.start(spec);
    } catch (err) {
      this.#onExit(instance, startedAtMs, {
        exitCode: 128,
        reason: "StartError",
        message: describeError(err),
      });
      return;
    }
    if (instance !== this.#instance) {
      running.kill();
      return;
    }

    this.#running = running;
    this.#phase = "running";
    this.#exited = running.exited.then(
      (exit) => this.#onExit(instance, startedAtMs, exit),
      (err) =>
        this.#onExit(instance, startedAtMs, {
          exitCode: 255,
          reason: "Error",
          message: describeError(err),
        }),
    );
    this.#setState({ running: { startedAt: new Date(startedAtMs).toISOString() } }, false);
    this.status.lastState = this.#lastTermination
      ? { terminated: this.#lastTermination }
      : this.status.lastState;
    this.host.log.info(
      `${this.#ref()}: started (${runtimeName}, restartCount ${this.status.restartCount})`,
    );
    this.host.event({
      type: "Normal",
      reason: "Started",
      message: `Started container ${this.name}`,
      container: this.name,
    });

    if (this.role === "init") {
      this.status.started = true;
      this.host.changed(this);
    } else {
      this.#startProbes(running, startedAtMs);
    }
    // A stop or kill that arrived while runtime.start was pending.
    if (this.#killRequested) running.kill();
    else if (this.#stopRequested || this.host.stopping) running.terminate();
  }

  #onExit(instance: number, startedAtMs: number, exit: ContainerExit): void {
    if (instance !== this.#instance) return;
    this.#running = undefined;
    this.#stopProbes();
    const finishedAtMs = Date.now();
    const terminated: TerminatedState = {
      exitCode: exit.exitCode,
      reason: exit.reason,
      startedAt: new Date(startedAtMs).toISOString(),
      finishedAt: new Date(finishedAtMs).toISOString(),
      containerID: this.status.containerID,
    };
    if (exit.message) terminated.message = exit.message;
    this.status.ready = false;
    this.status.started = false;
    this.#lastTermination = terminated;
    this.host.log.info(
      `${this.#ref()}: exited with code ${exit.exitCode} (${exit.reason})${
        exit.message ? `: ${exit.message}` : ""
      }`,
    );

    if (this.#stopRequested || this.host.stopping || !this.#shouldRestart(exit.exitCode)) {
      this.#phase = "done";
      this.#setState({ terminated });
      return;
    }

    const delay = this.#backoff.next(finishedAtMs - startedAtMs);
    if (delay === 0) {
      this.#phase = "waiting";
      this.status.lastState = { terminated };
      this.#setState({ terminated }, false);
      this.start();
      return;
    }
    this.#phase = "waiting";
    const seconds = delay >= 1000 ? `${Math.round(delay / 1000)}s` : `${delay}ms`;
    const pod = this.host.pod.metadata;
    this.status.lastState = { terminated };
    this.#setState({
      waiting: {
        reason: "CrashLoopBackOff",
        message:
          `back-off ${seconds} restarting failed container=${this.name} pod=${pod.name}_${pod.namespace}(${pod.uid})`,
      },
    });
    this.host.event({
      type: "Warning",
      reason: "BackOff",
      message:
        `Back-off restarting failed container ${this.name} in pod ${pod.name}_${pod.namespace}(${pod.uid})`,
      container: this.name,
    });
    this.#timer = setTimeout(() => this.start(), delay);
  }

  #shouldRestart(exitCode: number): boolean {
    if (this.role === "sidecar") return true;
    const policy = this.host.pod.spec.restartPolicy ?? "Always";
    if (this.role === "init") return exitCode !== 0 && policy !== "Never";
    return policy === "Always" || (policy === "OnFailure" && exitCode !== 0);
  }

  #startProbes(running: RunningContainer, startedAtMs: number): void {
    const probes = new ContainerProbes(this.container, this.host.podIP, running, startedAtMs, {
      changed: () => {
        if (this.#probes !== probes) return;
        this.status.started = probes.started;
        this.status.ready = probes.started && probes.ready;
        this.host.changed(this);
      },
      fatal: (kind, detail) => {
        if (this.#probes !== probes) return;
        this.host.log.warn(
          `${this.#ref()}: ${kind.toLowerCase()} probe failed (${detail}); restarting`,
        );
        this.host.event({
          type: "Normal",
          reason: "Killing",
          message: `Container ${this.name} failed ${kind.toLowerCase()} probe, will be restarted`,
          container: this.name,
        });
        running.kill();
      },
      unhealthy: (kind, detail) =>
        this.host.event({
          type: "Warning",
          reason: "Unhealthy",
          message: `${kind} probe failed: ${detail}`,
          container: this.name,
        }),
    });
    this.#probes = probes;
    this.status.started = probes.started;
    this.host.ticker.add(probes);
    this.host.changed(this);
  }

  #stopProbes(): void {
    if (!this.#probes) return;
    this.#probes.stop();
    this.host.ticker.remove(this.#probes);
    this.#probes = undefined;
  }

  #setState(state: ContainerState, notify = true): void {
    this.status.state = state;
    if (!state.running) {
      this.status.ready = false;
      this.status.started = false;
    }
    if (notify) this.host.changed(this);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #ref(): string {
    const m = this.host.pod.metadata;
    return `${m.namespace}/${m.name}/${this.name}`;
  }
}
