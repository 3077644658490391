/**
 * operator.scale: one operator managing N running FlinkDeployments (default 1,000, plus 100 and
 * 300 first so the growth per resource shows) on the bench cluster's simulated JobManagers. The
 * operator runs as the product does — `main.ts run` in its own process with the default
 * configuration — so its memory and CPU are read from /proc and its requests from its /metrics.
 *
 * For each N, in a fresh namespace:
 * 1. ramp: the fleet (fleet_mix.ts) is applied at once; time until every job is RUNNING/STABLE
 *    (session clusters READY/STABLE), with the operator's peak RSS and CPU seconds for it;
 * 2. steady state (5 minutes by default): RSS, CPU per minute, REST requests per second to the
 *    JobManagers, API-server requests per second (writes separately), status writes per minute;
 * 3. reaction: ≥ 50 spec changes (`restartNonce` of savepoint-mode applications) spread over
 *    time, each timed from the patch until the operator's first cluster action is visible —
 *    the stop-with-savepoint trigger it writes to status right before sending the stop request;
 * 4. burst: 100 simultaneous savepoint upgrades, timed until all 100 run the new spec; each one
 *    is checked to have taken a new savepoint and to have restored its new job from it (the
 *    simulated JobManager's `latest.restored` checkpoint), with no upgrade failing.
 * Then the operator is stopped and the namespace deleted (its pods gone before the next N).
 */
import { readClusterState } from "../cluster/cluster_state.ts";
import { FlinkDeployments, FlinkSessionJobs, FlinkStateSnapshots } from "../lib/flink/resources.ts";
import type { KubeClient } from "../lib/kube/client.ts";
import { type KubeObject, Resources, type ResourceType } from "../lib/kube/resource.ts";
import { freshNamespace } from "../tests/support/cluster.ts";
import { type Fd, isRunningStable, jobManagerUrl } from "../tests/support/flink.ts";
import { prepareNamespace } from "../tests/support/operator.ts";
import { localJar, sessionJobSettings } from "../tests/support/session_job.ts";
import type { BenchCluster } from "./bench_cluster.ts";
import { type BenchContext, type Benchmark, newResult } from "./benchmark.ts";
import { runBounded } from "./pool.ts";
import { readMemory } from "./proc_status.ts";
import { type BenchResult, megabytes, millis, seconds } from "./result.ts";
import {
  appObject,
  describePlan,
  type FleetPlan,
  fleetPlan,
  sessionObjects,
} from "./scale/fleet_mix.ts";
import { FleetView } from "./scale/fleet_view.ts";
import { loadAverage, loadWindow } from "./scale/machine_load.ts";
import { activityBetween, OperatorChild } from "./scale/operator_child.ts";

const NAME = "operator.scale";
const DEFAULT_DEPLOYMENTS = 1000;
/** Sizes measured before the requested one, so the growth per resource shows. */
const LADDER = [100, 300];
const CREATES_IN_FLIGHT = 20;
const REACTION_CHANGES = 60;
const REACTION_SPACING_MS = 2_000;
const BURST = 100;
/** FKO's rate-limiter window: a resource changed again sooner would measure the limit. */
const RATE_LIMIT_WINDOW_MS = 15_000;
const TARGETS = { rssMb: 150, steadyCpuPct: 5, reactionP99Ms: 200, burstS: 60 };

export const operatorScale: Benchmark = {
  name: NAME,
  description: "N running FlinkDeployments on one operator: ramp, steady state, reaction, burst",
  options: [
    `--deployments N     largest fleet (default ${DEFAULT_DEPLOYMENTS}); ${
      LADDER.join(" and ")
    } are measured first when smaller`,
    "--sizes A,B,...     exactly these fleet sizes instead",
    "--steady-minutes M  length of the steady-state window (default 5)",
  ],
  run: runScale,
};

async function runScale(ctx: BenchContext): Promise<BenchResult[]> {
  const sizes = fleetSizes(ctx.options);
  const steadyMs = Number(ctx.options.get("steady-minutes") ?? "5") * 60_000;
  if (!(steadyMs > 0)) throw new Error("--steady-minutes must be a positive number");
  const results: BenchResult[] = [];
  for (const n of sizes) {
    console.error(`    --- N = ${n} (load ${loadAverage()})`);
    try {
      results.push(await measureFleet(ctx.cluster, n, steadyMs));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      console.error(`    N = ${n} failed: ${message}`);
      results.push({
        ...newResult(`${NAME}[N=${n}]`),
        error: message.split("\n")[0].slice(0, 160),
      });
    }
  }
  return results;
}

function fleetSizes(options: ReadonlyMap<string, string>): number[] {
  const explicit = options.get("sizes");
  const sizes = explicit ? explicit.split(",").map((s) => Number(s.trim())) : (() => {
    const n = Number(options.get("deployments") ?? DEFAULT_DEPLOYMENTS);
    return [...LADDER.filter((s) => s < n), n];
  })();
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error(`fleet sizes must be positive integers: ${sizes.join(", ")}`);
  }
  return sizes;
}

interface Phase {
  ms: number;
  load: string;
}

async function measureFleet(
  cluster: BenchCluster,
  n: number,
  steadyMs: number,
): Promise<BenchResult> {
  const result = newResult(`${NAME}[N=${n}]`);
  const client = await cluster.client();
  const plane = await cluster.ensure();
  const state = await readClusterState(cluster.stateDir);
  const clusterPids = Object.values(state?.processes ?? {}).map((p) => p?.pid ?? 0).filter((p) =>
    p > 0
  );
  const agentPid = await cluster.nodeAgentPid();
  const plan = fleetPlan(n);
  result.notes.push(describePlan(plan));

  const ns = await freshNamespace(`bench-scale-${n}`, { client });
  await prepareNamespace(client, ns.name);
  const stop = new AbortController();
  const view = new FleetView(client, ns.name, stop.signal);
  await view.synced;
  const jar = await localJar();
  // Only what session jobs need to fetch a local jar; every other setting is the default.
  const settings = await sessionJobSettings();
  const logPath = `${cluster.stateDir}/operator-scale-${n}.log`;
  const op = new OperatorChild(plane.adminKubeconfig, ns.name, logPath, settings);
  let operatorStopped = false;
  try {
    await op.ready(60_000);
    const idle = op.sample();
    const agentBefore = readMemory(agentPid).rssKb;

    // ---- 1. ramp
    const rampLoad = loadWindow(() => op.pid, clusterPids);
    const rampStart = op.sample();
    const metricsStart = await op.metrics();
    const t0 = performance.now();
    const objects = fleetObjects(ns.name, plan, jar);
    await runBounded(
      objects.length,
      CREATES_IN_FLIGHT,
      (i) => client.create(objects[i].type, ns.name, objects[i].obj),
    );
    const createdMs = performance.now() - t0;
    let peakDuringRamp = rampStart.rssKb;
    const sampler = setInterval(() => {
      try {
        peakDuringRamp = Math.max(peakDuringRamp, op.sample().rssKb);
      } catch {
        // exited; reported below
      }
    }, 1000);
    try {
      await view.until(
        `all ${n} FlinkDeployments and ${plan.sessionJobs} session jobs RUNNING/STABLE`,
        () => {
          const c = view.stableCounts();
          return c.apps === plan.apps.length && c.sessions === plan.sessions.length &&
            c.sessionJobs === plan.sessionJobs;
        },
        Math.max(600_000, n * 1500),
      );
    } catch (err) {
      const c = view.stableCounts();
      throw new Error(
        `${(err as Error).message} (stable: ${c.apps}/${plan.apps.length} applications, ` +
          `${c.sessions}/${plan.sessions.length} session clusters, ${c.sessionJobs}/` +
          `${plan.sessionJobs} session jobs; operator log ${logPath})`,
      );
    } finally {
      clearInterval(sampler);
    }
    const ramp: Phase = { ms: performance.now() - t0, load: rampLoad.end().describe() };
    const rampEnd = op.sample();
    const rampActivity = activityBetween(metricsStart, await op.metrics());
    result.figures.push(
      { label: "all RUNNING/STABLE", value: seconds(ramp.ms) },
      {
        label: "ramp operator",
        value: `peak RSS ${megabytes(Math.max(peakDuringRamp, rampEnd.peakRssKb))}, CPU ${
          seconds(rampEnd.cpuMs - rampStart.cpuMs)
        }`,
      },
    );
    result.notes.push(
      `ramp: ${objects.length} objects created in ${seconds(createdMs)} (${CREATES_IN_FLIGHT} ` +
        `in flight); all stable ${seconds(ramp.ms)} after the first create; operator RSS idle ` +
        `${megabytes(idle.rssKb)} before, ${
          megabytes(rampEnd.rssKb)
        } after; ${rampActivity.reconciles} passes, ${rampActivity.restRequests} REST requests, ${rampActivity.apiRequests} ` +
        `API requests (${rampActivity.apiWrites} writes); machine: ${ramp.load}`,
    );

    // ---- 2. steady state
    await sleep(30_000); // the ramp's last follow-up passes
    const steadyLoad = loadWindow(() => op.pid, clusterPids);
    const s0 = op.sample();
    const m0 = await op.metrics();
    const rss: number[] = [];
    const steadyStart = performance.now();
    while (performance.now() - steadyStart < steadyMs) {
      await sleep(Math.min(10_000, steadyMs - (performance.now() - steadyStart)));
      rss.push(op.sample().rssKb);
    }
    const s1 = op.sample();
    const m1 = await op.metrics();
    const load = steadyLoad.end().describe();
    const minutes = (s1.at - s0.at) / 60_000;
    const perSec = (count: number) => (count / ((s1.at - s0.at) / 1000)).toFixed(2);
    const steady = activityBetween(m0, m1);
    const cpuPct = (s1.cpuMs - s0.cpuMs) / (s1.at - s0.at) * 100;
    const rssAvg = rss.reduce((a, b) => a + b, 0) / rss.length;
    result.figures.push(
      {
        label: "steady RSS",
        value: `${megabytes(rssAvg)} (max ${megabytes(Math.max(...rss))})`,
      },
      {
        label: "steady CPU",
        value: `${((s1.cpuMs - s0.cpuMs) / 1000 / minutes).toFixed(2)} s/min (${
          cpuPct.toFixed(2)
        } % of a core)`,
      },
      { label: "REST", value: `${perSec(steady.restRequests)} req/s` },
      {
        label: "API",
        value: `${perSec(steady.apiRequests - steady.apiWatches)} req/s (writes ${
          perSec(steady.apiWrites)
        }/s)`,
      },
      { label: "status writes", value: `${(steady.statusWrites / minutes).toFixed(1)}/min` },
    );
    result.notes.push(
      `steady state over ${minutes.toFixed(1)} min: ${steady.reconciles} passes (${
        (steady.reconciles / minutes).toFixed(0)
      }/min), ${steady.restRequests} REST requests, ${steady.apiRequests - steady.apiWatches} ` +
        `API requests + ${steady.apiWatches} watch (re)connects, ${steady.apiWrites} writes of ` +
        `which ${steady.statusWrites} status and ${steady.events} events; RSS sampled every 10 s; ` +
        `machine: ${load}`,
    );

    // ---- 3. reaction
    const sources: LoadSources = { operatorPid: () => op.pid, clusterPids };
    const reaction = await measureReaction(client, ns.name, view, plan, sources);
    result.figures.push({
      label: "reaction",
      value: `p50 ${millis(reaction.p50)}, p99 ${millis(reaction.p99)}, max ${
        millis(reaction.max)
      } (${reaction.samples} changes)`,
    });
    result.notes.push(
      `reaction: ${reaction.samples} restartNonce changes of savepoint-mode applications, one ` +
        `every ${REACTION_SPACING_MS / 1000} s, each timed from the patch request until the ` +
        "FlinkDeployment watch shows the stop-with-savepoint trigger in status (written right " +
        `before the stop request); ${reaction.missed} without a reaction within 60 s; machine: ` +
        reaction.load,
    );

    // ---- 4. burst
    const burst = await measureBurst(client, ns.name, view, plan, reaction.used, sources);
    result.figures.push({
      label: "burst",
      value: `${burst.count} savepoint upgrades in ${
        seconds(burst.ms)
      } (lost savepoints ${burst.lostSavepoints}, failed upgrades ${burst.failed})`,
    });
    result.notes.push(
      `burst: ${burst.count} applications patched at once (restartNonce, upgradeMode ` +
        "savepoint), timed until each runs a new job with the new spec (RUNNING/STABLE); " +
        `${burst.lostSavepoints} did not restore from a new savepoint (checked against the ` +
        `JobManager's latest.restored), ${burst.failed} upgrades failed (status.error or a ` +
        `Warning event)${burst.detail ? `: ${burst.detail}` : ""}; machine: ${burst.load}`,
      `context: node agent RSS ${megabytes(agentBefore)} before the fleet, ${
        megabytes(readMemory(agentPid).rssKb)
      } with it; operator log ${logPath}`,
    );

    if (n >= 1000) {
      result.targets.push(
        {
          label: "RSS",
          actual: Math.max(...rss, rampEnd.peakRssKb) / 1024,
          below: TARGETS.rssMb,
          unit: "MB",
        },
        { label: "steady CPU", actual: cpuPct, below: TARGETS.steadyCpuPct, unit: "% of a core" },
        { label: "reaction p99", actual: reaction.p99, below: TARGETS.reactionP99Ms, unit: "ms" },
        { label: "burst", actual: burst.ms / 1000, below: TARGETS.burstS, unit: "s" },
        {
          label: "lost savepoints + failed upgrades",
          actual: burst.lostSavepoints + burst.failed,
          below: 1,
          unit: "",
        },
      );
    } else {
      result.notes.push("targets are set for N = 1,000; this size is for the growth per resource");
    }

    await op.stop();
    operatorStopped = true;
  } finally {
    stop.abort();
    if (!operatorStopped) await op.stop();
    await teardown(client, ns, agentPid);
  }
  return result;
}

function fleetObjects(
  namespace: string,
  plan: FleetPlan,
  jar: string,
): { type: ResourceType; obj: KubeObject }[] {
  const out: { type: ResourceType; obj: KubeObject }[] = [];
  // Sessions first, so their jobs find them; the jobs wait for their cluster anyway.
  for (const session of plan.sessions) {
    const { cluster, jobs } = sessionObjects(namespace, session, jar);
    out.push({ type: FlinkDeployments, obj: cluster });
    for (const job of jobs) out.push({ type: FlinkSessionJobs, obj: job });
  }
  for (const app of plan.apps) out.push({ type: FlinkDeployments, obj: appObject(namespace, app) });
  return out;
}

/** The processes whose CPU a load window separates from the rest of the machine's. */
interface LoadSources {
  operatorPid: () => number | undefined;
  clusterPids: number[];
}

interface Reaction {
  p50: number;
  p99: number;
  max: number;
  samples: number;
  missed: number;
  used: Set<string>;
  load: string;
}

async function measureReaction(
  client: KubeClient,
  namespace: string,
  view: FleetView,
  plan: FleetPlan,
  load: LoadSources,
): Promise<Reaction> {
  const candidates = plan.apps.filter((a) => a.upgradeMode === "savepoint").map((a) => a.name);
  const count = Math.min(REACTION_CHANGES, candidates.length);
  // Spread over the fleet, not the first few.
  const step = candidates.length / count;
  const chosen = Array.from({ length: count }, (_, i) => candidates[Math.floor(i * step)]);
  const window = loadWindow(load.operatorPid, load.clusterPids);
  const timings: Promise<number | undefined>[] = [];
  for (const [i, name] of chosen.entries()) {
    if (i > 0) await sleep(REACTION_SPACING_MS);
    timings.push(reactionOf(client, namespace, view, name, i + 1));
  }
  const measured = await Promise.all(timings);
  const loadSeen = window.end().describe();
  // The changed applications finish their upgrades before the burst starts.
  await view.until(
    "the reaction's upgrades to finish",
    () =>
      chosen.every((name) => {
        const fd = view.fd(name);
        return !!fd && isRunningStable(fd) &&
          fd.status?.observedGeneration === fd.metadata.generation;
      }),
    300_000,
  );
  const values = measured.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  const rank = (q: number) => values[Math.max(0, Math.ceil(q * values.length) - 1)] ?? NaN;
  return {
    p50: rank(0.5),
    p99: rank(0.99),
    max: values.at(-1) ?? NaN,
    samples: values.length,
    missed: measured.length - values.length,
    used: new Set(chosen),
    load: loadSeen,
  };
}

/** ms from the patch until the stop-with-savepoint trigger shows in status, or undefined. */
async function reactionOf(
  client: KubeClient,
  namespace: string,
  view: FleetView,
  name: string,
  nonce: number,
): Promise<number | undefined> {
  let reactedAt: number | undefined;
  const remove = view.listen((fd) => {
    if (reactedAt === undefined && fd?.metadata.name === name && triggered(fd)) {
      reactedAt = performance.now();
    }
  });
  const started = performance.now();
  try {
    await client.patch(FlinkDeployments, namespace, name, {
      spec: { restartNonce: 1_000_000 + nonce },
    });
    await view.until(`${name} to react`, () => reactedAt !== undefined, 60_000);
    return reactedAt! - started;
  } catch {
    return undefined;
  } finally {
    remove();
  }
}

function triggered(fd: Fd): boolean {
  const info = fd.status?.jobStatus?.savepointInfo;
  return info?.triggerType === "UPGRADE" && !!info.triggerId;
}

interface Burst {
  count: number;
  ms: number;
  lostSavepoints: number;
  failed: number;
  detail: string;
  load: string;
}

async function measureBurst(
  client: KubeClient,
  namespace: string,
  view: FleetView,
  plan: FleetPlan,
  reacted: Set<string>,
  load: LoadSources,
): Promise<Burst> {
  const stateful = plan.apps.filter((a) => a.upgradeMode !== "stateless").map((a) => a.name);
  // Those the reaction left alone first; the rest only if the fleet is small.
  const chosen = [
    ...stateful.filter((n) => !reacted.has(n)),
    ...stateful.filter((n) => reacted.has(n)),
  ].slice(0, BURST);
  await sleep(RATE_LIMIT_WINDOW_MS);
  const before = new Map(chosen.map((name) => {
    const fd = view.fd(name)!;
    return [name, {
      jobId: fd.status?.jobStatus?.jobId,
      savepoint: fd.status?.jobStatus?.upgradeSavepointPath,
      generation: fd.metadata.generation ?? 0,
    }];
  }));
  const window = loadWindow(load.operatorPid, load.clusterPids);
  const since = new Date();
  const t0 = performance.now();
  await Promise.all(chosen.map((name, i) =>
    client.patch(FlinkDeployments, namespace, name, {
      spec: { restartNonce: 2_000_000 + i, job: { upgradeMode: "savepoint" } },
    })
  ));
  const upgraded = (name: string) => {
    const fd = view.fd(name);
    const old = before.get(name)!;
    return !!fd && isRunningStable(fd) && (fd.metadata.generation ?? 0) > old.generation &&
      fd.status?.observedGeneration === fd.metadata.generation &&
      fd.status?.jobStatus?.jobId !== old.jobId;
  };
  await view.until(`all ${chosen.length} upgrades`, () => chosen.every(upgraded), 600_000);
  const ms = performance.now() - t0;
  const loadSeen = window.end().describe();

  // No lost savepoint: each took a new one, and its new job restored from exactly that.
  const problems: string[] = [];
  let lost = 0;
  await runBounded(chosen.length, 10, async (i) => {
    const name = chosen[i];
    const fd = view.fd(name)!;
    const path = fd.status?.jobStatus?.upgradeSavepointPath;
    const restored = await restoredFrom(client, namespace, name, fd.status?.jobStatus?.jobId);
    if (!path || path === before.get(name)!.savepoint || restored !== path) {
      lost++;
      if (problems.length < 3) problems.push(`${name}: savepoint ${path}, restored ${restored}`);
    }
  });
  const snapshots = await client.list<KubeObject & { status?: { state?: string } }>(
    FlinkStateSnapshots,
    namespace,
  );
  const failedSnapshots = snapshots.items.filter((s) =>
    s.status?.state === "FAILED" &&
    Date.parse(s.metadata.creationTimestamp ?? "") >= since.getTime()
  ).length;
  const events = await client.list<
    KubeObject & {
      type?: string;
      reason?: string;
      involvedObject?: { name?: string; kind?: string };
    }
  >(Resources.events, namespace, { fieldSelector: "type=Warning" });
  const chosenSet = new Set(chosen);
  const warnings = events.items.filter((e) =>
    e.involvedObject?.kind === "FlinkDeployment" && chosenSet.has(e.involvedObject?.name ?? "") &&
    Date.parse(e.metadata.creationTimestamp ?? "") >= since.getTime() - 1000
  );
  const withError = chosen.filter((name) => !!view.fd(name)?.status?.error);
  const failedNames = new Set([
    ...warnings.map((e) => e.involvedObject!.name!),
    ...withError,
  ]);
  if (warnings.length) {
    problems.push(
      `warnings: ${[...new Set(warnings.map((e) => e.reason))].join(", ")}`,
    );
  }
  if (failedSnapshots) problems.push(`${failedSnapshots} FAILED FlinkStateSnapshots`);
  return {
    count: chosen.length,
    ms,
    lostSavepoints: lost,
    failed: failedNames.size + failedSnapshots,
    detail: problems.join("; "),
    load: loadSeen,
  };
}

/** The external path the job's JobManager says it restored from (`latest.restored`). */
async function restoredFrom(
  client: KubeClient,
  namespace: string,
  name: string,
  jobId: string | undefined,
): Promise<string | undefined> {
  if (!jobId) return undefined;
  try {
    const url = await jobManagerUrl(client, namespace, name);
    const res = await fetch(`${url}/v1/jobs/${jobId}/checkpoints`, {
      signal: AbortSignal.timeout(10_000),
    });
    const body = await res.json() as {
      latest?: { restored?: { external_path?: string } | null };
    };
    return body.latest?.restored?.external_path ?? undefined;
  } catch {
    return undefined;
  }
}

/** Namespace deleted (finalizers released, the operator is stopped), pods gone, bounded. */
async function teardown(
  client: KubeClient,
  ns: AsyncDisposable & { name: string },
  agentPid: number,
): Promise<void> {
  const started = performance.now();
  await ns[Symbol.asyncDispose]();
  const deadline = started + 600_000;
  let left = -1;
  while (performance.now() < deadline) {
    const pods = await client.list(Resources.pods, ns.name, { limit: 1 }).catch(() => undefined);
    left = pods?.items.length ?? 0;
    if (left === 0) break;
    await sleep(3_000);
  }
  console.error(
    `    teardown of ${ns.name}: ${left === 0 ? "pods gone" : "pods still there"} after ${
      seconds(performance.now() - started)
    }; node agent RSS ${megabytes(readMemory(agentPid).rssKb)}`,
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
