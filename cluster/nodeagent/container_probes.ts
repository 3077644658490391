import type { Container, Probe } from "./pod_types.ts";
import { type ProbeResult, probeTiming, runProbe } from "./probe.ts";
import type { RunningContainer } from "./runtime.ts";
import type { PeriodicCheck } from "./shared_ticker.ts";

/** How often readiness is taken from the runtime when the container declares no readinessProbe. */
export const RUNTIME_READY_POLL_MS = 500;

export interface ProbeCallbacks {
  /** started or ready changed. */
  changed(): void;
  /** A startup or liveness probe failed often enough that the container must be restarted. */
  fatal(kind: "Startup" | "Liveness", detail: string): void;
  /** A readiness or liveness probe failed (for Unhealthy events). */
  unhealthy(kind: "Readiness" | "Liveness", detail: string): void;
}

export type ProbeRunner = (
  probe: Probe,
  container: Container,
  podIP: string,
) => Promise<ProbeResult>;

class ProbeTrack {
  nextAt: number;
  successes = 0;
  failures = 0;
  readonly timing;
  constructor(readonly probe: Probe, startedAt: number) {
    this.timing = probeTiming(probe);
    this.nextAt = startedAt + this.timing.initialDelayMs;
  }
}

/**
 * The probes of one running container, as a single check on the node's SharedTicker. Until the
 * startupProbe succeeds (or at once without one) the container is not "started" and neither
 * readiness nor liveness runs, as in kubelet. Readiness comes from the readinessProbe if there is
 * one, else from the runtime's own ready(); liveness is honoured too.
 */
export class ContainerProbes implements PeriodicCheck {
  dueAt: number;
  started: boolean;
  ready = false;
  #stopped = false;
  readonly #startup?: ProbeTrack;
  readonly #readiness?: ProbeTrack;
  readonly #liveness?: ProbeTrack;
  #nextRuntimePoll: number;

  constructor(
    private readonly container: Container,
    private readonly podIP: string,
    private readonly running: RunningContainer,
    startedAt: number,
    private readonly callbacks: ProbeCallbacks,
    private readonly now: () => number = Date.now,
    private readonly probe: ProbeRunner = runProbe,
  ) {
    if (container.startupProbe) this.#startup = new ProbeTrack(container.startupProbe, startedAt);
    if (container.readinessProbe) {
      this.#readiness = new ProbeTrack(container.readinessProbe, startedAt);
    }
    if (container.livenessProbe) {
      this.#liveness = new ProbeTrack(container.livenessProbe, startedAt);
    }
    this.started = !this.#startup;
    this.#nextRuntimePoll = startedAt;
    this.dueAt = this.#computeDueAt();
  }

  /** After this, results of probes still in flight are ignored. */
  stop(): void {
    this.#stopped = true;
  }

  run(): Promise<void> | void {
    const now = this.now();
    const before = `${this.started}/${this.ready}`;
    const pending: Promise<void>[] = [];
    if (!this.started) {
      if (this.#startup!.nextAt <= now) pending.push(this.#runStartup(now));
    } else {
      if (this.#readiness) {
        if (this.#readiness.nextAt <= now) pending.push(this.#runReadiness(this.#readiness, now));
      } else if (this.#nextRuntimePoll <= now) {
        this.#nextRuntimePoll = now + RUNTIME_READY_POLL_MS;
        this.ready = this.#runtimeReady();
      }
      if (this.#liveness && this.#liveness.nextAt <= now) pending.push(this.#runLiveness(now));
    }
    // Only network probes are asynchronous; polling the runtime must not occupy a ticker slot.
    if (pending.length === 0) return this.#settle(before);
    return Promise.all(pending).then(() => this.#settle(before));
  }

  #settle(before: string): void {
    if (this.#stopped) return;
    this.dueAt = this.#computeDueAt();
    if (`${this.started}/${this.ready}` !== before) this.callbacks.changed();
  }

  /** A runtime whose ready() throws is treated as not ready rather than breaking the ticker. */
  #runtimeReady(): boolean {
    try {
      return this.running.ready();
    } catch {
      return false;
    }
  }

  async #runStartup(now: number): Promise<void> {
    const startup = this.#startup!;
    startup.nextAt = now + startup.timing.periodMs;
    const result = await this.probe(startup.probe, this.container, this.podIP);
    if (this.#stopped) return;
    if (result.ok) {
      this.started = true;
      // Check readiness right away instead of a full period after startup succeeded.
      if (this.#readiness) this.#readiness.nextAt = this.now();
      this.#nextRuntimePoll = this.now();
    } else {
      this.#fail(startup, "Startup", result.detail);
    }
  }

  async #runReadiness(track: ProbeTrack, now: number): Promise<void> {
    track.nextAt = now + track.timing.periodMs;
    const result = await this.probe(track.probe, this.container, this.podIP);
    if (this.#stopped) return;
    if (result.ok) {
      track.failures = 0;
      if (++track.successes >= track.timing.successThreshold) this.ready = true;
    } else {
      track.successes = 0;
      this.callbacks.unhealthy("Readiness", result.detail ?? "");
      if (++track.failures >= track.timing.failureThreshold) this.ready = false;
    }
  }

  async #runLiveness(now: number): Promise<void> {
    const track = this.#liveness;
    if (!track || track.nextAt > now) return;
    track.nextAt = now + track.timing.periodMs;
    const result = await this.probe(track.probe, this.container, this.podIP);
    if (this.#stopped) return;
    if (result.ok) track.failures = 0;
    else this.#fail(track, "Liveness", result.detail);
  }

  #fail(track: ProbeTrack, kind: "Startup" | "Liveness", detail = ""): void {
    // Startup probes fail routinely while a process boots; only their final verdict is an event.
    if (kind === "Liveness") this.callbacks.unhealthy(kind, detail);
    if (++track.failures >= track.timing.failureThreshold) {
      track.failures = 0;
      this.callbacks.fatal(kind, detail);
    }
  }

  #computeDueAt(): number {
    if (!this.started) return this.#startup!.nextAt;
    const times = [this.#readiness?.nextAt ?? this.#nextRuntimePoll];
    if (this.#liveness) times.push(this.#liveness.nextAt);
    return Math.min(...times);
  }
}
