/**
 * A chaos run: the fleet (fleet.ts) runs under the real operator as its own process; each cycle
 * changes one resource (upgrade, restartNonce, suspend, resume, delete and create again) while
 * the cycle's planned faults land around that change (plan.ts, faults.ts); then the run waits
 * until every resource settled on the spec it was given and checks the invariants
 * (invariants.ts). The first cycle with a violation ends the run.
 */
import { FlinkDeployments, FlinkSessionJobs } from "../../lib/flink/resources.ts";
import { errorMessageOf } from "../../lib/flink/spec/error_json.ts";
import type { KubeClient } from "../../lib/kube/client.ts";
import { type KubeObject, Resources } from "../../lib/kube/resource.ts";
import { prepareNamespace } from "../../tests/support/operator.ts";
import { localJar, sessionJobSettings } from "../../tests/support/session_job.ts";
import { landFault, retry, sleep } from "./faults.ts";
import { type Fleet, isStateful, jobManifest, sessionClusterManifest } from "./fleet.ts";
import { Checker, sessionUnsettled, type Track, unsettled, type Violation } from "./invariants.ts";
import { ChaosOperator } from "./operator.ts";
import { type CyclePlan, describePlan, FAULT_KINDS, type FaultKind, planCycles } from "./plan.ts";
import { Timeline } from "./timeline.ts";
import { World } from "./world.ts";

export interface ChaosOptions {
  client: KubeClient;
  kubeconfig: string;
  /** The node agent's `host-fs/` (`<state dir>/nodeagent/host-fs`). */
  hostFsRoot: string;
  /** An existing, empty namespace for the fleet. */
  namespace: string;
  seed: number;
  cycles: number;
  fleet: Fleet;
  restartApiServer: () => Promise<void>;
  /** Where the operator log and the full timeline go. */
  outDir: string;
  /** Progress lines (one per cycle). */
  log: (line: string) => void;
  /** How long every resource may take to settle after a cycle's last fault (default 10 min). */
  settleTimeoutMs?: number;
  /** Extra operator settings. */
  operatorSettings?: Record<string, string>;
  /** The operator's log level (default info). */
  operatorLogLevel?: string;
  /** Aborted (^C): the run stops after the cycle in progress, reports, and cleans up. */
  signal?: AbortSignal;
}

export interface CycleRecord {
  plan: CyclePlan;
  /** From the later of the change and the end of the last fault until everything settled. */
  operatorMs: number;
  /** From the cycle's start until everything settled. */
  totalMs: number;
}

export interface ChaosReport {
  seed: number;
  plannedCycles: number;
  cycles: CycleRecord[];
  /** Faults that landed, by kind. */
  faults: Record<FaultKind, number>;
  /** Planned faults that found nothing to hit (e.g. a JobManager crash while none ran). */
  missedFaults: number;
  /**
   * Manual restores the run performed, as a user would (docs/reliability.md): a stateful session
   * job whose job vanished with its session cluster's JobManager waits with "Job Not Found", as
   * in FKO, until it is redeployed from its newest checkpoint.
   */
  manualRestores: { cycle: number; job: string; path: string }[];
  /** Savepoints completed by a JobManager without HA as it crashed (unreportedSavepoints). */
  unreportedSavepoints: { cycle: number; job: string; path: string }[];
  violations: (Violation & { cycle: number })[];
  /** The timeline of the failing cycle and the one before, when there are violations. */
  timeline?: string;
  elapsedMs: number;
  operatorStarts: number;
  logFile: string;
  timelineFile: string;
}

export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const { client, namespace: ns, fleet } = opts;
  await Deno.mkdir(opts.outDir, { recursive: true });
  const logFile = `${opts.outDir}/operator.log`;
  const timelineFile = `${opts.outDir}/timeline.log`;
  await Deno.writeTextFile(logFile, "");
  await Deno.writeTextFile(timelineFile, "");
  const timeline = new Timeline(timelineFile);
  const plans = planCycles(opts.seed, opts.cycles, {
    jobs: fleet.jobs,
    clusters: fleet.clusters.map((c) => c.name),
  });
  const report: ChaosReport = {
    seed: opts.seed,
    plannedCycles: opts.cycles,
    cycles: [],
    faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>,
    missedFaults: 0,
    manualRestores: [],
    unreportedSavepoints: [],
    violations: [],
    elapsedMs: 0,
    operatorStarts: 0,
    logFile,
    timelineFile,
  };

  await prepareNamespace(client, ns);
  const jar = await localJar();
  const operator = new ChaosOperator(
    opts.kubeconfig,
    ns,
    {
      ...await sessionJobSettings(),
      ...opts.operatorSettings,
    },
    logFile,
    opts.operatorLogLevel,
  );
  const world = new World(client, ns, fleet, opts.hostFsRoot, timeline);
  const tracks = new Map<string, Track>();
  for (const job of fleet.jobs) {
    tracks.set(job.name, {
      job,
      version: 0,
      nonce: 0,
      intended: "running",
      lineageSince: 0,
      pinnedFloor: 0,
    });
  }
  const checker = new Checker(client, ns, world, tracks);
  // A JobManager crashed again and again sits in the kubelet's crash back-off for up to 5 min
  // (10 s doubling to 300 s; found at seed 2, cycle 51 with restart count 6) before it runs
  // again: nothing the operator can shorten, so the wait allows for it.
  const settleTimeoutMs = opts.settleTimeoutMs ?? 600_000;

  const fail = (cycle: number, violations: Violation[]) => {
    report.violations.push(...violations.map((v) => ({ ...v, cycle })));
    for (const v of violations) timeline.add(`VIOLATION [${v.invariant}] ${v.message}`);
    report.timeline = timeline.since(Math.max(0, cycle - 1));
  };

  try {
    timeline.add(`seed ${opts.seed}: creating the fleet in ${ns}`);
    for (const cluster of fleet.clusters.filter((c) => c.session)) {
      await client.create(FlinkDeployments, ns, sessionClusterManifest(ns, cluster));
    }
    for (const job of fleet.jobs) {
      await client.create(typeOf(job.kind), ns, jobManifest(ns, job, jar, 0));
    }
    operator.start();
    world.start(1000);
    const settled = await settle(world, tracks, fleet, settleTimeoutMs);
    if (settled) {
      fail(0, [{ invariant: "settles", message: `the fleet did not start: ${settled}` }]);
      return report;
    }
    timeline.add("fleet running");

    for (const plan of plans) {
      if (opts.signal?.aborted) {
        timeline.add(`interrupted before cycle ${plan.cycle}`);
        break;
      }
      timeline.cycle = plan.cycle;
      const cycleStart = Date.now();
      timeline.add(`cycle ${plan.cycle}: ${describePlan(plan)}`);
      const lead = Math.max(0, -(plan.faults[0]?.atMs ?? 0));
      const base = Date.now() + lead;
      const jmCrashes: string[] = [];
      const crashWindows: { cluster: string; from: number; to: number }[] = [];
      const faultCtx = {
        client,
        ns,
        operator,
        restartApiServer: opts.restartApiServer,
        note: (text: string) => timeline.add(text),
        onJobManagerCrash: (cluster: string, since: number) => {
          jmCrashes.push(cluster);
          crashWindows.push({ cluster, from: since, to: Date.now() });
        },
      };
      const faultRuns = plan.faults.map(async (fault) => {
        await sleep(Math.max(0, base + fault.atMs - Date.now()));
        try {
          const outcome = await landFault(faultCtx, fault);
          if (outcome.landed) report.faults[fault.kind]++;
          else report.missedFaults++;
          return outcome.clearedAt;
        } catch (err) {
          // The harness could not land or lift it (the API server away for over a minute).
          timeline.add(`fault ${fault.kind} could not be handled: ${errorText(err)}`);
          report.missedFaults++;
          return Date.now();
        }
      });
      const actionRun = (async () => {
        await sleep(Math.max(0, base - Date.now()));
        return await applyAction(plan, tracks.get(plan.target)!);
      })();
      const [actionEnd, ...cleared] = await Promise.all([actionRun, ...faultRuns]);
      for (const cluster of jmCrashes) lostWithoutHa(cluster);
      await unreportedSavepoints(plan.cycle, crashWindows);
      const quietSince = Math.max(actionEnd, ...cleared);
      const restored = new Set<string>();
      const why = await settle(
        world,
        tracks,
        fleet,
        settleTimeoutMs,
        () => restoreLostSessionJobs(plan.cycle, jmCrashes, restored),
      );
      const settledAt = Date.now();
      const violations: Violation[] = [];
      if (why) {
        violations.push({
          invariant: "settles on the latest spec",
          message: `not settled ${settleTimeoutMs / 1000} s after the last fault: ${why}`,
        });
      } else {
        violations.push(...await checker.check());
      }
      if (operator.exitedByItself !== undefined) {
        violations.push({
          invariant: "the operator keeps running",
          message: `the operator exited by itself with code ${operator.exitedByItself}`,
        });
      }
      const record = {
        plan,
        operatorMs: settledAt - quietSince,
        totalMs: settledAt - cycleStart,
      };
      report.cycles.push(record);
      timeline.add(
        `cycle ${plan.cycle} settled: operator ${(record.operatorMs / 1000).toFixed(1)} s after ` +
          `the last fault, ${(record.totalMs / 1000).toFixed(1)} s in all`,
      );
      opts.log(
        `cycle ${plan.cycle}/${plans.length}: ${describePlan(plan)} → ` +
          (violations.length
            ? `${violations.length} VIOLATION(S)`
            : `ok, operator ${(record.operatorMs / 1000).toFixed(1)} s`),
      );
      for (const t of tracks.values()) t.restartAfter = undefined;
      if (violations.length) {
        fail(plan.cycle, violations);
        break;
      }
    }
    return report;
  } finally {
    report.elapsedMs = Date.now() - started;
    report.operatorStarts = operator.starts;
    await world.stop();
    await teardown(client, ns, fleet, operator).catch((err) =>
      timeline.add(`teardown: ${err instanceof Error ? err.message : err}`)
    );
    await operator.stop();
    await Deno.remove(jar.replace(/^file:\/\//, "").replace(/\/[^/]+$/, ""), { recursive: true })
      .catch(() => {});
  }

  /**
   * Savepoints a JobManager without HA completed while it was crashing: written to storage, but
   * the process died before anyone could ask for the result, and a restarted JobManager without
   * HA knows nothing of them. No operator can record what was never reported (FKO neither), so
   * they are counted, not checked as forgotten; the state rolls back as lostWithoutHa says.
   */
  async function unreportedSavepoints(
    cycle: number,
    windows: { cluster: string; from: number; to: number }[],
  ): Promise<void> {
    if (!windows.length) return;
    await world.index.scan();
    for (const w of windows) {
      if (fleet.clusters.find((c) => c.name === w.cluster)?.ha !== false) continue;
      const owners = new Set(
        [...tracks.values()].filter((t) => t.job.cluster === w.cluster).map((t) => t.job.name),
      );
      for (const file of world.index.savepointsOnDisk()) {
        const owner = world.jobOwner.get(file.jobId);
        if (!owner || !owners.has(owner) || world.unreported.has(file.path)) continue;
        if (file.completedAt < w.from || file.completedAt > w.to + 1000) continue;
        world.unreported.add(file.path);
        report.unreportedSavepoints.push({ cycle, job: owner, path: file.path });
        timeline.add(
          `${owner}: savepoint ${file.path} completed as its JobManager (no HA) crashed; ` +
            "never reported, not checked as forgotten",
        );
      }
    }
  }

  /** After a JobManager without HA crashed, Flink restarts its job from its deploy's restore point. */
  function lostWithoutHa(cluster: string): void {
    const def = fleet.clusters.find((c) => c.name === cluster);
    if (!def || def.ha) return;
    for (const track of tracks.values()) {
      if (track.job.cluster !== cluster) continue;
      const path = world.resources.get(track.job.name)?.status?.jobStatus?.upgradeSavepointPath;
      const counter = path ? world.index.files.get(normalize(path))?.counter ?? 0 : 0;
      track.lineageSince = Date.now();
      track.pinnedFloor = counter;
      timeline.add(
        `${track.job.name}: JobManager without HA crashed; its state goes back to ${
          path ?? "the start"
        } (counter ${counter}), as Flink does`,
      );
    }
  }

  /**
   * A stateful session job whose job vanished when its session cluster's JobManager crashed (a
   * cancel or stop that completed just before the crash: the restarted JobManager does not list
   * finished jobs) waits with "Job Not Found", as in FKO: the operator cannot know the job's
   * newest checkpoint. The run does what the user would, once per job and cycle: a manual
   * restore (`savepointRedeployNonce` with `initialSavepointPath`) from the newest checkpoint of
   * that job on disk, else the restore point it was started from. A job lost while being
   * suspended gets the same: it then stays suspended with that restore point for its resume.
   */
  async function restoreLostSessionJobs(
    cycle: number,
    crashed: string[],
    done: Set<string>,
  ): Promise<void> {
    for (const track of tracks.values()) {
      const { job } = track;
      if (job.kind !== "FlinkSessionJob" || !isStateful(job) || done.has(job.name)) continue;
      if (!crashed.includes(job.cluster)) continue;
      const r = world.resources.get(job.name);
      if (errorMessageOf(r?.status?.error) !== "Job Not Found") continue;
      done.add(job.name);
      await world.index.scan();
      const jobId = r?.status?.jobStatus?.jobId;
      const newest = world.index.newestCheckpoint(jobId);
      const path = newest ? `file:${newest.path}` : r?.status?.jobStatus?.upgradeSavepointPath;
      if (!path) {
        timeline.add(`${job.name}: Job Not Found and no checkpoint to restore it from`);
        continue;
      }
      const spec = (r as { spec?: { job?: { savepointRedeployNonce?: number } } }).spec;
      await retry(() =>
        client.patch(FlinkSessionJobs, ns, job.name, {
          spec: {
            job: {
              initialSavepointPath: path,
              savepointRedeployNonce: (spec?.job?.savepointRedeployNonce ?? 0) + 1,
            },
          },
        })
      );
      // Asked to run, it runs restored; asked to suspend, it stays suspended with this restore
      // point recorded for its resume.
      if (track.intended === "running") track.restartAfter = Date.now();
      report.manualRestores.push({ cycle, job: job.name, path });
      timeline.add(
        `${job.name}: Job Not Found after its JobManager crashed; manual restore ${path}`,
      );
    }
  }

  async function applyAction(plan: CyclePlan, track: Track): Promise<number> {
    const { job } = track;
    const type = typeOf(job.kind);
    const patch = (spec: Record<string, unknown>) =>
      retry(() => client.patch(type, ns, job.name, { spec }));
    switch (plan.action) {
      case "upgrade":
        track.version++;
        await patch({ job: { args: ["--spec", `chaos-spec-${track.version}`] } });
        track.restartAfter = Date.now();
        break;
      case "restart-nonce":
        track.nonce++;
        await patch({ restartNonce: track.nonce });
        track.restartAfter = Date.now();
        break;
      case "suspend":
        track.intended = "suspended";
        await patch({ job: { state: "suspended" } });
        break;
      case "resume":
        track.version++;
        track.intended = "running";
        await patch({ job: { state: "running", args: ["--spec", `chaos-spec-${track.version}`] } });
        track.restartAfter = Date.now();
        break;
      case "recreate": {
        await retry(() => client.delete(type, ns, job.name));
        timeline.add(`${job.name} deleted`);
        const gone = await waitUntil(
          settleTimeoutMs,
          async () => !(await client.get(type, ns, job.name)),
        );
        if (!gone) {
          timeline.add(`${job.name} still Terminating`);
          return Date.now(); // settle() reports it
        }
        track.version++;
        track.nonce = 0;
        track.intended = "running";
        track.lineageSince = Date.now();
        track.pinnedFloor = 0;
        world.forgetJobsOf(job.name);
        await retry(() => client.create(type, ns, jobManifest(ns, job, jar, track.version)));
        timeline.add(`${job.name} created again`);
        track.restartAfter = Date.now();
        break;
      }
    }
    timeline.add(`applied: ${plan.action} ${job.name}`);
    return Date.now();
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function typeOf(kind: "FlinkDeployment" | "FlinkSessionJob") {
  return kind === "FlinkDeployment" ? FlinkDeployments : FlinkSessionJobs;
}

function normalize(path: string): string {
  return path.replace(/^file:(\/\/)?/, "").replace(/\/_metadata$/, "").replace(/\/+$/, "");
}

/**
 * Waits until every resource runs (or is suspended) on the spec it was given, and nothing in
 * the namespace is stuck being deleted. Returns why not, on timeout.
 */
async function settle(
  world: World,
  tracks: Map<string, Track>,
  fleet: Fleet,
  timeoutMs: number,
  /** What a user would do about a state the operator waits in for them (once read). */
  intervene?: () => Promise<void>,
): Promise<string | undefined> {
  let why: string | undefined;
  const ok = await waitUntil(timeoutMs, async () => {
    await world.refreshResources();
    await intervene?.();
    const problems: string[] = [];
    for (const cluster of fleet.clusters.filter((c) => c.session)) {
      const p = sessionUnsettled(world.resources.get(cluster.name));
      if (p) problems.push(`${cluster.name}: ${p}`);
    }
    for (const track of tracks.values()) {
      const p = unsettled(world.resources.get(track.job.name), track.intended);
      if (p) problems.push(`${track.job.name}: ${p}`);
    }
    if (!problems.length) problems.push(...await flinkSide(world, tracks));
    if (!problems.length) {
      const deleting = await terminating(world);
      if (deleting.length) problems.push(`still Terminating: ${deleting.join(", ")}`);
    }
    const now = problems.join("; ") || undefined;
    if (now && now !== why) world.note(`waiting: ${now}`);
    why = now;
    return problems.length === 0;
  });
  return ok ? undefined : why;
}

/**
 * What Flink runs agrees with the statuses: the job of each running resource is RUNNING under
 * the id its status names (a JobManager that just crashed may not be noticed by the operator
 * yet), and a suspended resource runs nothing.
 */
async function flinkSide(world: World, tracks: Map<string, Track>): Promise<string[]> {
  const live = await world.liveJobs();
  const problems: string[] = [];
  for (const track of tracks.values()) {
    const name = track.job.name;
    const jobs = live.filter((j) => j.resource === name);
    const jobId = world.resources.get(name)?.status?.jobStatus?.jobId;
    if (track.intended === "suspended") {
      if (jobs.length) problems.push(`${name}: suspended but runs ${jobs.map((j) => j.jobId)}`);
    } else if (jobs.length !== 1 || jobs[0].jobId !== jobId || jobs[0].state !== "RUNNING") {
      problems.push(
        `${name}: Flink runs ${
          jobs.map((j) => `${j.jobId} ${j.state}`).join(", ") || "nothing"
        }, ` +
          `status says ${jobId}`,
      );
    }
  }
  return problems;
}

async function terminating(world: World): Promise<string[]> {
  const { client, ns } = world;
  const out: string[] = [];
  for (
    const [type, label] of [[Resources.pods, "pod"], [Resources.deployments, "deployment"]] as const
  ) {
    const list = await client.list<KubeObject>(type, ns);
    for (const o of list.items) {
      if (o.metadata.deletionTimestamp) out.push(`${label} ${o.metadata.name}`);
    }
  }
  for (const s of world.snapshots) {
    if (s.metadata.deletionTimestamp) out.push(`FlinkStateSnapshot ${s.metadata.name}`);
  }
  return out;
}

async function waitUntil(timeoutMs: number, fn: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (await fn()) return true;
    } catch {
      // the API server may be restarting
    }
    await sleep(300);
  }
  return false;
}

/** Deletes the fleet with the operator still running, so finalizers are honoured. */
async function teardown(client: KubeClient, ns: string, fleet: Fleet, operator: ChaosOperator) {
  operator.start();
  for (const job of fleet.jobs) await client.delete(typeOf(job.kind), ns, job.name).catch(() => {});
  await waitUntil(60_000, async () => {
    for (const job of fleet.jobs) {
      if (await client.get(typeOf(job.kind), ns, job.name)) return false;
    }
    return true;
  });
  for (const c of fleet.clusters) await client.delete(FlinkDeployments, ns, c.name).catch(() => {});
  await waitUntil(60_000, async () => (await client.list(FlinkDeployments, ns)).items.length === 0);
}
