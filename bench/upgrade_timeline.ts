/**
 * The timeline of one savepoint upgrade, in ms after the spec patch: what the watches on the
 * FlinkDeployment, its JobManager Deployment and the JobManager pods showed, plus two instants the
 * JobManager itself recorded (the new job's submission and RUNNING, from the `timestamps` of GET
 * /jobs/:id, same machine clock) — the simulator's or real Flink's. It separates the parts the
 * operator does not control (Flink's savepoint and starts, kube-controller-manager and the node
 * agent removing and starting pods) from the rest, which is what the operator adds (polling gaps,
 * status writes, REST calls).
 */
import type { KubeObject } from "../lib/kube/resource.ts";
import type { Fd } from "../tests/support/flink.ts";

export type Mark =
  | "savepoint triggered"
  | "savepoint recorded"
  | "old JobManager deleting"
  | "old JobManager pod gone"
  | "new Deployment"
  | "new Deployment available"
  | "new pod"
  | "new pod Ready"
  | "new job submitted (Flink)"
  | "new job RUNNING (Flink)"
  | "status RUNNING";

interface DeploymentLike extends KubeObject {
  status?: { availableReplicas?: number };
}

interface PodLike extends KubeObject {
  status?: { conditions?: { type: string; status: string }[] };
}

export class UpgradeTimeline {
  readonly marks = new Map<Mark, number>();
  readonly #started = performance.now();
  readonly #startedEpoch = Date.now();
  readonly #oldPods: Set<string>;
  readonly #gonePods = new Set<string>();
  #finished!: () => void;
  /** Resolves when the new job is RUNNING. */
  readonly finished: Promise<void> = new Promise((r) => this.#finished = r);

  constructor(
    private readonly old: {
      jobId: string;
      upgradeSavepointPath?: string;
      deploymentUid?: string;
      podUids: string[];
    },
  ) {
    this.#oldPods = new Set(old.podUids);
  }

  #mark(mark: Mark): void {
    if (this.marks.has(mark)) return;
    this.marks.set(mark, performance.now() - this.#started);
    if (mark === "status RUNNING") this.#finished();
  }

  /** Records an instant another component stamped with wall-clock time (epoch ms). */
  markAt(mark: Mark, epochMs: number): void {
    this.marks.set(mark, epochMs - this.#startedEpoch);
  }

  onFd(fd: Fd): void {
    const js = fd.status?.jobStatus;
    if (js?.savepointInfo?.triggerId) this.#mark("savepoint triggered");
    // upgradeSavepointPath, not savepointInfo.lastSavepoint: with FlinkStateSnapshot resources
    // enabled (FKO's default) the operator records the savepoint there and as a snapshot only.
    const path = js?.upgradeSavepointPath;
    if (path && path !== this.old.upgradeSavepointPath) this.#mark("savepoint recorded");
    if (js?.state === "RUNNING" && js.jobId && js.jobId !== this.old.jobId) {
      this.#mark("status RUNNING");
    }
  }

  onDeployment(deployment: DeploymentLike, deleted: boolean): void {
    const uid = deployment.metadata.uid;
    if (uid === this.old.deploymentUid) {
      if (deleted || deployment.metadata.deletionTimestamp) this.#mark("old JobManager deleting");
    } else if (!deleted) {
      this.#mark("new Deployment");
      // What the operator's observer checks (jm_observation.ts).
      if ((deployment.status?.availableReplicas ?? 0) > 0) this.#mark("new Deployment available");
    }
  }

  onPod(pod: PodLike, deleted: boolean): void {
    const uid = pod.metadata.uid ?? "";
    if (this.#oldPods.has(uid)) {
      if (deleted || pod.metadata.deletionTimestamp) this.#mark("old JobManager deleting");
      if (deleted) this.#gonePods.add(uid);
      if (this.#gonePods.size === this.#oldPods.size) this.#mark("old JobManager pod gone");
      return;
    }
    if (deleted) return;
    this.#mark("new pod");
    const ready = pod.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
    if (ready && !pod.metadata.deletionTimestamp) this.#mark("new pod Ready");
  }

  /** The wall-clock instant (epoch ms) of a mark, to compare with times other components stamp. */
  epochOf(mark: Mark): number {
    return this.#startedEpoch + this.at(mark);
  }

  /** ms after the patch, or a descriptive error when a step was never seen. */
  at(mark: Mark): number {
    const value = this.marks.get(mark);
    if (value === undefined) throw new Error(`the upgrade timeline has no "${mark}"`);
    return value;
  }

  describe(): string {
    return [...this.marks.entries()].sort((a, b) => a[1] - b[1])
      .map(([m, at]) => `${m} +${Math.round(at)}`)
      .join(", ");
  }
}

/**
 * What Flink itself takes: the simulator's nominal durations, or for real Flink the measured
 * savepoint and zeros for the starts (which the "start" part then covers as a whole).
 */
export interface FlinkDurations {
  savepointMs: number;
  jobManagerStartMs: number;
  jobStartMs: number;
}

export interface UpgradeBreakdown {
  totalMs: number;
  /** Flink's own durations: savepoint + JobManager start + job start (see FlinkDurations). */
  flinkMs: number;
  /** Old JobManager deleting until its pod is gone: garbage collector and node agent. */
  teardownMs: number;
  /**
   * New Deployment until both the new job runs (per its JobManager) and the Deployment is
   * available (ReplicaSet controller, node agent readiness, Deployment status), minus the
   * JobManager and job start of FlinkDurations that overlap it.
   */
  startMs: number;
  /** The rest: total - flink - teardown - start; equal to the sum of operatorParts. */
  operatorMs: number;
  operatorParts: {
    /** Patch until the stop-with-savepoint trigger is in status (watch, observe pass, write). */
    react: number;
    /** Trigger until the savepoint is recorded, beyond the savepoint's own duration (polling). */
    savepointPoll: number;
    /** Savepoint recorded until the old JobManager is being deleted. */
    toDelete: number;
    /** Old pod gone until the new Deployment exists (the operator polls for the pods to go). */
    toRedeploy: number;
    /** Job running and Deployment available until status says RUNNING (progress checks). */
    observe: number;
  };
}

export function breakdown(t: UpgradeTimeline, sim: FlinkDurations): UpgradeBreakdown {
  const totalMs = t.at("status RUNNING");
  const flinkMs = sim.savepointMs + sim.jobManagerStartMs + sim.jobStartMs;
  const teardownMs = t.at("old JobManager pod gone") - t.at("old JobManager deleting");
  // Both must hold before the operator can see a running job: they happen in parallel.
  const upAt = Math.max(t.at("new job RUNNING (Flink)"), t.at("new Deployment available"));
  const startMs = upAt - t.at("new Deployment") - sim.jobManagerStartMs - sim.jobStartMs;
  return {
    totalMs,
    flinkMs,
    teardownMs,
    startMs,
    operatorMs: totalMs - flinkMs - teardownMs - startMs,
    operatorParts: {
      react: t.at("savepoint triggered"),
      savepointPoll: t.at("savepoint recorded") - t.at("savepoint triggered") - sim.savepointMs,
      toDelete: t.at("old JobManager deleting") - t.at("savepoint recorded"),
      toRedeploy: t.at("new Deployment") - t.at("old JobManager pod gone"),
      observe: totalMs - upAt,
    },
  };
}
