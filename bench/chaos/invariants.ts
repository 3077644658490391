/**
 * The promises a chaos cycle must keep, checked once every resource settled (run.ts waits for
 * that first: not settling in time is itself a violation). Each check reads the world directly —
 * the JobManagers' REST APIs, the snapshot files on disk, the API server — never the operator's
 * own account of it alone.
 */
import { errorMessageOf } from "../../lib/flink/spec/error_json.ts";
import type { KubeClient } from "../../lib/kube/client.ts";
import { type KubeObject, Resources } from "../../lib/kube/resource.ts";
import { type ChaosJob, isStateful, marker } from "./fleet.ts";
import { normalizePath } from "./snapshot_files.ts";
import type { ResourceView, World } from "./world.ts";

export interface Violation {
  invariant: string;
  message: string;
}

/** What the run knows about one job resource beyond its status. */
export interface Track {
  job: ChaosJob;
  /** The spec version its args name (`--spec chaos-spec-<version>`). */
  version: number;
  nonce: number;
  intended: "running" | "suspended";
  /** This cycle asked for a new job: the running one must have started after this (Date.now()). */
  restartAfter?: number;
  /**
   * Snapshots completed before this instant are not this job's state any more: the resource
   * was created anew, or a JobManager without HA crashed and Flink restarted the job from the
   * restore point it was deployed with (then `pinnedFloor` holds that restore point's counter).
   */
  lineageSince: number;
  pinnedFloor: number;
}

/**
 * How stale the counter read through `/jobs/:id/accumulators` may be: Flink (and the simulator)
 * serve the execution-graph views from a cache for `web.refresh-interval` (3 s).
 */
const ACCUMULATOR_CACHE_MS = 3000;

export class Checker {
  constructor(
    private readonly client: KubeClient,
    private readonly ns: string,
    private readonly world: World,
    private readonly tracks: Map<string, Track>,
  ) {}

  /** The highest counter of a completed checkpoint or savepoint of the job's lineage. */
  floor(track: Track, completedBefore?: number): { counter: number; path?: string } {
    let best: { counter: number; path?: string } = { counter: track.pinnedFloor };
    for (const f of this.world.index.files.values()) {
      if (this.world.jobOwner.get(f.jobId) !== track.job.name) continue;
      if (f.completedAt < track.lineageSince) continue;
      if (completedBefore !== undefined && f.completedAt >= completedBefore) continue;
      if (f.counter > best.counter) best = { counter: f.counter, path: f.path };
    }
    return best;
  }

  async check(): Promise<Violation[]> {
    const violations: Violation[] = [];
    await this.world.refreshResources();
    await this.world.index.scan();
    for (const text of this.world.doubleJobs.splice(0)) {
      violations.push({ invariant: "one job per resource", message: text });
    }
    violations.push(...await this.#liveJobs());
    violations.push(...await this.#savepointsRecorded());
    violations.push(...await this.#referencedDataKept());
    for (const track of this.tracks.values()) {
      violations.push(...await this.#latestSpec(track));
      if (isStateful(track.job) && track.intended === "running") {
        violations.push(...await this.#stateKept(track));
      }
    }
    return violations;
  }

  /** Exactly the status's job runs for a running resource, none for a suspended one. */
  async #liveJobs(): Promise<Violation[]> {
    const out: Violation[] = [];
    const live = await this.world.liveJobs();
    for (const track of this.tracks.values()) {
      const name = track.job.name;
      const jobs = live.filter((j) => j.resource === name);
      const expected = this.world.resources.get(name)?.status?.jobStatus?.jobId;
      const ok = track.intended === "suspended"
        ? jobs.length === 0
        : jobs.length === 1 && jobs[0].jobId === expected;
      if (!ok) {
        out.push({
          invariant: "one job per resource",
          message: `${name} (${track.intended}, status job ${expected}) has live jobs: ` +
            (jobs.map((j) => `${j.jobId} ${j.state} on ${j.pod}`).join(", ") || "none"),
        });
      }
    }
    for (const job of live) {
      if (!this.tracks.has(job.resource)) {
        out.push({
          invariant: "one job per resource",
          message:
            `a job no resource owns runs: ${job.jobId} (${job.name}) ${job.state} on ${job.pod}`,
        });
      }
    }
    return out;
  }

  /** Every savepoint Flink completed is in a FlinkStateSnapshot or a status field. */
  #savepointsRecorded(): Promise<Violation[]> {
    const out: Violation[] = [];
    for (const file of this.world.index.savepointsOnDisk()) {
      if (this.world.recorded.has(file.path) || this.world.unreported.has(file.path)) continue;
      out.push({
        invariant: "every completed savepoint is recorded",
        message: `savepoint ${file.path} (job ${file.jobId}, ${
          this.world.jobOwner.get(file.jobId) ?? "unknown resource"
        }, counter ${file.counter}) completed at ${
          new Date(file.completedAt).toISOString()
        } and is in no FlinkStateSnapshot or status`,
      });
    }
    return Promise.resolve(out);
  }

  /**
   * Nothing still referenced was disposed: the data of every existing COMPLETED savepoint
   * snapshot, and the savepoint each stateful resource would restore from, are on disk.
   */
  async #referencedDataKept(): Promise<Violation[]> {
    const out: Violation[] = [];
    for (const s of this.world.snapshots) {
      if (!s.spec?.savepoint || s.status?.state !== "COMPLETED" || !s.status.path) continue;
      if (s.metadata.deletionTimestamp) continue;
      if (await this.world.index.exists(s.status.path)) continue;
      out.push({
        invariant: "no savepoint disposed while referenced",
        message: `FlinkStateSnapshot ${s.metadata.name} is COMPLETED with ${s.status.path}, ` +
          "but its data is gone",
      });
    }
    for (const track of this.tracks.values()) {
      if (!isStateful(track.job)) continue;
      const path = this.world.resources.get(track.job.name)?.status?.jobStatus
        ?.upgradeSavepointPath;
      if (!path || !/\/savepoint-[^/]+\/?$/.test(normalizePath(path))) continue;
      if (await this.world.index.exists(path)) continue;
      out.push({
        invariant: "no savepoint disposed while referenced",
        message: `${track.job.name} would restore from ${path}, which is gone`,
      });
    }
    return out;
  }

  /** The resource settled on the spec the run applied last, and its job was started for it. */
  async #latestSpec(track: Track): Promise<Violation[]> {
    const name = track.job.name;
    const r = this.world.resources.get(name);
    const fail = (message: string) => [{ invariant: "the job ends on the latest spec", message }];
    if (!r) return fail(`${name} does not exist`);
    let reconciled: ResourceView["spec"] | undefined;
    try {
      reconciled = JSON.parse(r.status?.reconciliationStatus?.lastReconciledSpec ?? "").spec;
    } catch {
      return fail(`${name} has no readable lastReconciledSpec`);
    }
    const want = marker(track.version);
    const args = reconciled?.job?.args ?? [];
    if (!args.includes(want) || reconciled?.job?.state !== track.intended) {
      return fail(
        `${name}: lastReconciledSpec has args ${JSON.stringify(args)} and state ` +
          `${reconciled?.job?.state}; the spec has ${want} and ${track.intended}`,
      );
    }
    if ((reconciled?.restartNonce ?? 0) !== track.nonce) {
      return fail(
        `${name}: lastReconciledSpec has restartNonce ${reconciled?.restartNonce}, the spec ${track.nonce}`,
      );
    }
    if (track.intended !== "running") return [];
    if (track.job.kind === "FlinkDeployment") {
      const cm = await this.client.get(Resources.configMaps, this.ns, `flink-config-${name}`);
      if (!JSON.stringify((cm as KubeObject & { data?: unknown })?.data ?? {}).includes(want)) {
        return fail(`${name}: the JobManager's configuration (flink-config-${name}) lacks ${want}`);
      }
    }
    if (track.restartAfter !== undefined) {
      const jobId = r.status?.jobStatus?.jobId;
      const details = jobId ? await this.#rest(track, `/jobs/${jobId}`) : undefined;
      const started = Number((details as { "start-time"?: number })?.["start-time"]);
      if (!(started >= track.restartAfter)) {
        return fail(
          `${name}: job ${jobId} started at ${started ? new Date(started).toISOString() : "?"}, ` +
            `before the change at ${new Date(track.restartAfter).toISOString()}`,
        );
      }
    }
    return [];
  }

  /**
   * A stateful job never went back past its latest completed checkpoint or savepoint: the
   * snapshot it was (last) restored from holds at least the state of every snapshot completed
   * before it started, and its counter now is not below any snapshot completed before the read.
   */
  async #stateKept(track: Track): Promise<Violation[]> {
    const name = track.job.name;
    const jobId = this.world.resources.get(name)?.status?.jobStatus?.jobId;
    if (!jobId) return [{ invariant: "state kept", message: `${name} has no job id` }];
    const out: Violation[] = [];
    const details = await this.#rest(track, `/jobs/${jobId}`) as
      | { "start-time"?: number }
      | undefined;
    const stats = await this.#rest(track, `/jobs/${jobId}/checkpoints`) as {
      latest?: { restored?: { external_path?: string } | null };
    } | undefined;
    const started = Number(details?.["start-time"]);
    if (Number.isFinite(started) && stats) {
      const before = this.floor(track, started);
      const restored = stats.latest?.restored?.external_path;
      if (before.counter > 0) {
        const counter = restored ? await this.world.index.counterOf(restored) : 0;
        if (counter !== undefined && counter < before.counter) {
          out.push({
            invariant: "a stateful job never restarts from older state",
            message: `${name}: job ${jobId} started ${new Date(started).toISOString()} from ` +
              `${restored ?? "empty state"} (counter ${counter}), but ${
                before.path ?? "its restore point"
              } ` +
              `(counter ${before.counter}) had completed before`,
          });
        }
      }
    }
    const readAt = Date.now();
    const counter = await this.#counter(track, jobId);
    if (counter !== undefined) {
      const floor = this.floor(track, readAt - ACCUMULATOR_CACHE_MS - 500);
      if (counter < floor.counter) {
        out.push({
          invariant: "a stateful job never restarts from older state",
          message: `${name}: job ${jobId}'s counter is ${counter}, below ${floor.counter} of ` +
            `${floor.path ?? "its restore point"}`,
        });
      }
    }
    return out;
  }

  async #counter(track: Track, jobId: string): Promise<number | undefined> {
    const body = await this.#rest(track, `/jobs/${jobId}/accumulators`) as {
      "user-task-accumulators"?: { name: string; value: string }[];
    } | undefined;
    const entry = body?.["user-task-accumulators"]?.find((a) => a.name === "counter");
    return entry ? Number(entry.value) : undefined;
  }

  async #rest(track: Track, path: string): Promise<unknown> {
    const pods = await this.client.list<
      KubeObject & { status?: { podIP?: string; phase?: string } }
    >(
      Resources.pods,
      this.ns,
      { labelSelector: `app=${track.job.cluster},component=jobmanager` },
    );
    const ip = pods.items.find((p) => !p.metadata.deletionTimestamp && p.status?.podIP)?.status
      ?.podIP;
    if (!ip) return undefined;
    try {
      const res = await fetch(`http://${ip}:8081/v1${path}`, { signal: AbortSignal.timeout(5000) });
      if (!res.ok) {
        await res.body?.cancel();
        return undefined;
      }
      return await res.json();
    } catch {
      return undefined;
    }
  }
}

/** Why a resource has not settled on what the run asked for; undefined once it has. */
export function unsettled(
  r: ResourceView | undefined,
  intended: "running" | "suspended",
): string | undefined {
  if (!r) return "does not exist";
  const st = r.status;
  const why = (what: string) => {
    const error = errorMessageOf(st?.error);
    return error ? `${what} (status.error: ${error})` : what;
  };
  if (r.metadata.deletionTimestamp) return why("is being deleted");
  if (st?.observedGeneration !== r.metadata.generation) {
    return why(
      `generation ${r.metadata.generation} not observed (observed ${st?.observedGeneration})`,
    );
  }
  if (st?.reconciliationStatus?.state !== "DEPLOYED") {
    return why(`reconciliation ${st?.reconciliationStatus?.state}`);
  }
  if (intended === "suspended") {
    return st?.lifecycleState === "SUSPENDED" ? undefined : why(`lifecycle ${st?.lifecycleState}`);
  }
  if (st?.lifecycleState !== "STABLE") return why(`lifecycle ${st?.lifecycleState}`);
  if (st?.jobStatus?.state !== "RUNNING") return why(`job ${st?.jobStatus?.state}`);
  if (r.kind === "FlinkDeployment" && st?.jobManagerDeploymentStatus !== "READY") {
    return why(`JobManager ${st?.jobManagerDeploymentStatus}`);
  }
  return undefined;
}

/** A session cluster that settled: its JobManager READY, lifecycle STABLE. */
export function sessionUnsettled(r: ResourceView | undefined): string | undefined {
  if (!r) return "does not exist";
  const st = r.status;
  if (st?.observedGeneration !== r.metadata.generation) return "generation not observed";
  if (st?.jobManagerDeploymentStatus !== "READY") {
    return `JobManager ${st?.jobManagerDeploymentStatus}`;
  }
  if (st?.lifecycleState !== "STABLE") return `lifecycle ${st?.lifecycleState}`;
  return undefined;
}
