/**
 * The chaos run's view of the world, sampled every second while cycles run: the resources'
 * status (changes go to the timeline), every savepoint path the operator ever recorded (status
 * or FlinkStateSnapshot), which job id belongs to which resource, the snapshot files on disk,
 * and the jobs every JobManager runs — two live jobs for one resource are reported at once.
 */
import {
  FlinkDeployments,
  FlinkSessionJobs,
  FlinkStateSnapshots,
} from "../../lib/flink/resources.ts";
import type { KubeClient } from "../../lib/kube/client.ts";
import { type KubeObject, Resources } from "../../lib/kube/resource.ts";
import { errorMessageOf } from "../../lib/flink/spec/error_json.ts";
import type { Fleet } from "./fleet.ts";
import { normalizePath, SnapshotIndex } from "./snapshot_files.ts";
import type { Timeline } from "./timeline.ts";

export interface JobStatusView {
  jobId?: string;
  state?: string;
  startTime?: string;
  upgradeSavepointPath?: string;
  savepointInfo?: {
    triggerId?: string;
    lastSavepoint?: { location?: string } | null;
    savepointHistory?: { location?: string }[];
  };
}

export interface ResourceView extends KubeObject {
  spec: {
    restartNonce?: number;
    job?: { args?: string[]; state?: string; upgradeMode?: string };
    [k: string]: unknown;
  };
  status?: {
    jobStatus?: JobStatusView;
    lifecycleState?: string;
    jobManagerDeploymentStatus?: string;
    observedGeneration?: number;
    error?: string;
    reconciliationStatus?: { state?: string; lastReconciledSpec?: string };
  };
}

export interface SnapshotView extends KubeObject {
  spec?: {
    savepoint?: { path?: string; disposeOnDelete?: boolean; alreadyExists?: boolean };
    checkpoint?: unknown;
    jobReference?: { kind?: string; name?: string };
  };
  status?: { state?: string; path?: string; error?: string };
}

export interface LiveJob {
  resource: string;
  pod: string;
  jobId: string;
  name: string;
  state: string;
}

interface PodView extends KubeObject {
  status?: {
    phase?: string;
    podIP?: string;
    containerStatuses?: { restartCount?: number }[];
  };
}

const TERMINAL = new Set(["FINISHED", "CANCELED", "FAILED", "SUSPENDED"]);

export class World {
  readonly index: SnapshotIndex;
  /** Latest FlinkDeployments and FlinkSessionJobs by name. */
  resources = new Map<string, ResourceView>();
  snapshots: SnapshotView[] = [];
  /** Every savepoint or checkpoint path the operator ever recorded, normalized. */
  readonly recorded = new Set<string>();
  /** Savepoints completed by a JobManager as it crashed, never reported to anyone (run.ts). */
  readonly unreported = new Set<string>();
  /** Job id → resource, from the statuses (written before a job is started). */
  readonly jobOwner = new Map<string, string>();
  /** Two live jobs for one resource, as seen by the sampler; drained by the cycle's checks. */
  readonly doubleJobs: string[] = [];
  #summaries = new Map<string, string>();
  #running?: Promise<void>;
  readonly #stop = new AbortController();

  constructor(
    readonly client: KubeClient,
    readonly ns: string,
    private readonly fleet: Fleet,
    hostFsRoot: string,
    private readonly timeline: Timeline,
  ) {
    this.index = new SnapshotIndex(hostFsRoot, ns);
  }

  /** Samples every `intervalMs` until stop(). */
  start(intervalMs: number): void {
    const signal = this.#stop.signal;
    const loop = async () => {
      while (!signal.aborted) {
        await this.sample();
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, intervalMs);
          signal.addEventListener("abort", done, { once: true });
          function done() {
            clearTimeout(timer);
            signal.removeEventListener("abort", done);
            resolve();
          }
        });
      }
    };
    this.#running = loop();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#running;
  }

  /** One round; every part tolerates an unreachable API server or JobManager. */
  async sample(): Promise<void> {
    await this.refreshResources().catch(() => {});
    await this.index.scan().catch(() => {});
    await this.checkLiveJobs().catch(() => {});
  }

  async refreshResources(): Promise<void> {
    const [fds, sjs, snaps] = await Promise.all([
      this.client.list<ResourceView>(FlinkDeployments, this.ns),
      this.client.list<ResourceView>(FlinkSessionJobs, this.ns),
      this.client.list<SnapshotView>(FlinkStateSnapshots, this.ns),
    ]);
    const now = new Map<string, ResourceView>();
    for (const r of [...fds.items, ...sjs.items]) now.set(r.metadata.name!, r);
    this.resources = now;
    this.snapshots = snaps.items;
    for (const r of now.values()) {
      const js = r.status?.jobStatus;
      if (js?.jobId && !this.jobOwner.has(js.jobId)) this.jobOwner.set(js.jobId, r.metadata.name!);
      for (
        const path of [
          js?.upgradeSavepointPath,
          js?.savepointInfo?.lastSavepoint?.location,
          ...(js?.savepointInfo?.savepointHistory ?? []).map((s) => s.location),
        ]
      ) {
        if (path && path.includes("/")) this.recorded.add(normalizePath(path));
      }
      this.#noteChange(r);
    }
    for (const s of snaps.items) {
      for (const path of [s.status?.path, s.spec?.savepoint?.path]) {
        if (path) this.recorded.add(normalizePath(path));
      }
    }
  }

  /** The jobs every JobManager pod of the namespace runs, attributed to resources. */
  async liveJobs(): Promise<LiveJob[]> {
    const pods = await this.client.list<PodView>(Resources.pods, this.ns, {
      labelSelector: "component=jobmanager",
    });
    const sessionClusters = new Set(
      this.fleet.clusters.filter((c) => c.session).map((c) => c.name),
    );
    const byEntryClass = new Map(
      this.fleet.jobs.filter((j) => j.entryClass).map((j) => [j.entryClass!, j.name]),
    );
    const live: LiveJob[] = [];
    await Promise.all(pods.items.map(async (pod) => {
      const ip = pod.status?.podIP;
      const app = pod.metadata.labels?.app;
      if (!ip || !app) return;
      let jobs: { jid: string; name: string; state: string }[];
      try {
        const res = await fetch(`http://${ip}:8081/v1/jobs/overview`, {
          signal: AbortSignal.timeout(1500),
        });
        if (!res.ok) {
          await res.body?.cancel();
          return;
        }
        jobs = (await res.json()).jobs;
      } catch {
        return; // not listening (starting, crashed, or a REST fault)
      }
      for (const job of jobs) {
        if (TERMINAL.has(job.state)) continue;
        const resource = sessionClusters.has(app)
          ? this.jobOwner.get(job.jid) ?? byEntryClass.get(job.name) ?? `${app}:${job.name}`
          : app;
        live.push({
          resource,
          pod: pod.metadata.name!,
          jobId: job.jid,
          name: job.name,
          state: job.state,
        });
      }
    }));
    return live;
  }

  async checkLiveJobs(): Promise<void> {
    const live = await this.liveJobs();
    const byResource = new Map<string, LiveJob[]>();
    for (const job of live) {
      byResource.set(job.resource, [...byResource.get(job.resource) ?? [], job]);
    }
    for (const [resource, jobs] of byResource) {
      if (jobs.length < 2) continue;
      const text = `two live jobs for ${resource}: ` +
        jobs.map((j) => `${j.jobId} ${j.state} on ${j.pod}`).join(", ");
      this.doubleJobs.push(text);
      this.timeline.add(`SAMPLED ${text}`);
    }
  }

  #noteChange(r: ResourceView): void {
    const st = r.status;
    const js = st?.jobStatus;
    const error = errorMessageOf(st?.error);
    const summary = [
      `gen ${r.metadata.generation}/${st?.observedGeneration ?? "-"}`,
      st?.reconciliationStatus?.state ?? "-",
      st?.lifecycleState ?? "-",
      `jm ${st?.jobManagerDeploymentStatus ?? "-"}`,
      `job ${js?.state ?? "-"} ${js?.jobId?.slice(0, 8) ?? "-"}`,
      js?.savepointInfo?.triggerId
        ? `savepoint trigger ${js.savepointInfo.triggerId.slice(0, 6)}`
        : "",
      error ? `error: ${error.slice(0, 160)}` : "",
    ].filter(Boolean).join(", ");
    const name = r.metadata.name!;
    if (this.#summaries.get(name) === summary) return;
    this.#summaries.set(name, summary);
    this.timeline.add(`${name}: ${summary}`);
  }

  note(text: string): void {
    this.timeline.add(text);
  }

  /** Forgets what the sampler knew of a resource's job ids (it was deleted and created anew). */
  forgetJobsOf(name: string): void {
    for (const [jobId, owner] of this.jobOwner) if (owner === name) this.jobOwner.delete(jobId);
  }

  /** A pod's first container restart count (the JobManager's). */
  static restartCount(pod: KubeObject): number {
    return (pod as PodView).status?.containerStatuses?.[0]?.restartCount ?? 0;
  }
}
