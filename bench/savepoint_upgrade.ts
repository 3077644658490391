/**
 * operator.savepoint-upgrade-overhead (simulated Flink) and
 * operator.savepoint-upgrade-overhead.real (real Flink 1.20 JVMs, standalone): the operator runs
 * in-process (tests/support/operator.ts) against the bench cluster, first with the default
 * configuration (what users get; the target applies to it), then with the tests' FAST settings,
 * printed beside it. A
 * savepoint-mode application runs RUNNING/STABLE; then `restartNonce` changes and we time the
 * patch until the FlinkDeployment reports a new job id RUNNING. From that total we subtract what
 * the operator does not control — Flink's savepoint (the simulator's nominal duration, or on real
 * Flink from the trigger until Flink wrote the savepoint's `_metadata`), the JobManager and job
 * start (the simulator's nominal ones; on real Flink all of the new cluster's start, up to the
 * new job RUNNING by its JobManager's own timestamps) and the measured pod teardown and pod start
 * by the controller manager and node agent — and report the remainder as the operator's share.
 * Three upgrades per configuration; the medians are reported.
 */
import { DEFAULT_SIM_TIMINGS } from "../cluster/flink-sim/timings.ts";
import { parseDuration as parseDurationMs } from "../lib/config/duration.ts";
import { FlinkDeployments } from "../lib/flink/resources.ts";
import type { KubeClient } from "../lib/kube/client.ts";
import { type KubeObject, Resources, type ResourceType } from "../lib/kube/resource.ts";
import { Store } from "../lib/runtime/store.ts";
import { Watcher } from "../lib/runtime/watcher.ts";
import { freshNamespace, waitFor } from "../tests/support/cluster.ts";
import {
  application,
  type Fd,
  isRunningStable,
  jobManagerUrl,
  waitForFd,
} from "../tests/support/flink.ts";
import { FAST_OPERATOR_CONFIG, startOperator } from "../tests/support/operator.ts";
import { ensureRealFlink } from "../cluster/flink-real/dist.ts";
import { realApplication } from "../tests/support/real_flink.ts";
import { type BenchContext, type Benchmark, newResult } from "./benchmark.ts";
import type { BenchResult } from "./result.ts";
import { median, millis } from "./result.ts";
import { breakdown, type UpgradeBreakdown, UpgradeTimeline } from "./upgrade_timeline.ts";

const NAME = "upgrade";
const RUNS = 3;
const TARGET_MS = 1000;
const UPGRADE_TIMEOUT_MS = 120_000;
const PROGRESS_CHECK = "kubernetes.operator.observer.progress-check.interval";

export const savepointUpgrade: Benchmark = upgradeBenchmark("sim");
export const savepointUpgradeReal: Benchmark = upgradeBenchmark("real");

function upgradeBenchmark(runtime: "sim" | "real"): Benchmark {
  const name = runtime === "sim"
    ? "operator.savepoint-upgrade-overhead"
    : "operator.savepoint-upgrade-overhead.real";
  return {
    name,
    description: `spec change of a savepoint-mode application until the new job is RUNNING ` +
      (runtime === "sim" ? "(simulated Flink)" : "(real Flink 1.20 JVMs, standalone)"),
    run: (ctx) => runUpgradeBenchmark(ctx, name, runtime),
  };
}

/** One configuration's measurement: the upgrades' breakdowns and timelines. */
interface Measured {
  runs: UpgradeBreakdown[];
  timelines: UpgradeTimeline[];
  operatorMs: number;
  medianRun: number;
}

async function runUpgradeBenchmark(
  { cluster }: BenchContext,
  benchName: string,
  runtime: "sim" | "real",
): Promise<BenchResult> {
  const result = newResult(benchName);
  const client = await cluster.client();
  if (runtime === "real") await ensureRealFlink((m) => console.error(`    flink-real: ${m}`));
  // What users get first (the target applies to it), then the tests' short intervals beside it.
  console.error("    with the default configuration:");
  const defaults = await measure(client, cluster.stateDir, runtime, "defaults");
  console.error("    with FAST_OPERATOR_CONFIG (tuned):");
  const tuned = await measure(client, cluster.stateDir, runtime, "tuned");

  const { runs, timelines, operatorMs, medianRun } = defaults;
  const med = (pick: (b: UpgradeBreakdown) => number) => median(runs.map(pick));
  result.figures.push(
    { label: "total", value: millis(med((b) => b.totalMs)) },
    {
      label: runtime === "sim" ? "simulator" : "Flink (savepoint)",
      value: millis(med((b) => b.flinkMs)),
    },
    {
      label: "pods (teardown + start)",
      value: `${millis(med((b) => b.teardownMs))} + ${millis(med((b) => b.startMs))}`,
    },
    { label: "operator (defaults)", value: millis(operatorMs) },
    { label: "runs (operator)", value: runs.map((b) => millis(b.operatorMs)).join(", ") },
    {
      label: "operator (tuned)",
      value: `${millis(tuned.operatorMs)} (runs ${
        tuned.runs.map((b) => millis(b.operatorMs)).join(", ")
      }; total ${millis(median(tuned.runs.map((b) => b.totalMs)))})`,
    },
  );
  result.targets.push({
    label: "operator share with the defaults",
    actual: operatorMs,
    below: TARGET_MS,
    unit: "ms",
  });
  const s = DEFAULT_SIM_TIMINGS;
  const parts = runs[medianRun].operatorParts;
  const tunedParts = tuned.runs[tuned.medianRun].operatorParts;
  const describeParts = (x: typeof parts) =>
    `react ${millis(x.react)}, savepoint polling ${millis(x.savepointPoll)}, to delete ${
      millis(x.toDelete)
    }, to redeploy ${millis(x.toRedeploy)}, observe ${millis(x.observe)}`;
  result.notes.push(
    `medians of ${RUNS} upgrades per configuration; total = patch until status.jobStatus is ` +
      "RUNNING with the new job id; " +
      (runtime === "sim"
        ? `simulator = savepointMs ${s.savepointMs} + jobManagerStartMs ` +
          `${s.jobManagerStartMs} + jobStartMs ${s.jobStartMs} (DEFAULT_SIM_TIMINGS); `
        : "Flink (savepoint) = the trigger written to status until Flink wrote the " +
          "savepoint's _metadata; ") +
      "pods = old JobManager deleting until its pod is gone (garbage collector, node agent, " +
      "the JVM's shutdown) + new Deployment until both the new job is RUNNING by its " +
      "JobManager's timestamps and the Deployment is available (ReplicaSet controller, node " +
      "agent readiness" +
      (runtime === "sim"
        ? "), minus the simulated starts"
        : ", real JobManager and TaskManager start, job scheduling)"),
    `operator share of the median run with the defaults: ${describeParts(parts)} (react = ` +
      "patch until the savepoint trigger is in status; to redeploy = after the old pod is gone; " +
      "observe = job running and Deployment available until status RUNNING)",
    `operator share of the median tuned run: ${describeParts(tunedParts)}`,
    "defaults: every kubernetes.operator.* key at its default (reconcile.interval 1 min, " +
      `${PROGRESS_CHECK} 10 s, rest-ready.delay unset, rate limit 5 passes per 15 s; each ` +
      "upgrade starts a rate-limiter window after the previous one); tuned: FAST_OPERATOR_CONFIG of " +
      `tests/support/operator.ts, ${PROGRESS_CHECK} = ${FAST_OPERATOR_CONFIG[PROGRESS_CHECK]}, ` +
      `reconcile.interval = ${FAST_OPERATOR_CONFIG["kubernetes.operator.reconcile.interval"]}, ` +
      "rest-ready.delay = " +
      `${FAST_OPERATOR_CONFIG["kubernetes.operator.observer.rest-ready.delay"]}`,
    `timeline of the median run with the defaults (ms after the patch): ${
      timelines[medianRun].describe()
    }`,
  );
  return result;
}

/** Three upgrades of a fresh application under an operator with `config`'s settings. */
async function measure(
  client: KubeClient,
  stateDir: string,
  runtime: "sim" | "real",
  config: "defaults" | "tuned",
): Promise<Measured> {
  await using ns = await freshNamespace("bench-upgrade", { client });
  const op = await startOperator(client, ns.name, {}, { defaults: config === "defaults" });
  const stopWatching = new AbortController();
  try {
    await client.create(
      FlinkDeployments,
      ns.name,
      runtime === "sim"
        ? application(ns.name, NAME, { upgradeMode: "savepoint" })
        : realApplication(ns.name, NAME, { upgradeMode: "savepoint" }),
    );
    await waitForFd(client, ns.name, NAME, "RUNNING and STABLE", isRunningStable, 180_000);
    const view = await watchUpgrade(client, ns.name, stopWatching.signal);

    const runs: UpgradeBreakdown[] = [];
    const timelines: UpgradeTimeline[] = [];
    // Each upgrade starts a full rate-limiter window after the resource's previous passes, as a
    // user's upgrade of a running job does: back to back, the second one would be measuring the
    // per-resource limit (5 passes per 15 s by default), not the operator.
    const window = config === "defaults"
      ? 15_000
      : parseDurationMs(FAST_OPERATOR_CONFIG["kubernetes.operator.rate-limiter.refresh-period"]);
    for (let i = 1; i <= RUNS; i++) {
      await new Promise((r) => setTimeout(r, window));
      const timeline = await upgradeOnce(client, ns.name, view, i);
      const durations = runtime === "sim" ? DEFAULT_SIM_TIMINGS : {
        savepointMs: await savepointDuration(view, timeline, stateDir, ns.name),
        jobManagerStartMs: 0,
        jobStartMs: 0,
      };
      const b = breakdown(timeline, durations);
      console.error(
        `    run ${i}: total ${millis(b.totalMs)}, operator ${millis(b.operatorMs)} ` +
          `(${timeline.describe()})`,
      );
      runs.push(b);
      timelines.push(timeline);
    }
    const operatorMs = median(runs.map((b) => b.operatorMs));
    const medianRun = Math.max(0, runs.findIndex((b) => b.operatorMs === operatorMs));

    // Leave nothing behind: the operator must see the deletion to release its finalizer.
    await client.delete(FlinkDeployments, ns.name, NAME);
    await waitFor(
      "the FlinkDeployment to be deleted",
      async () => !(await client.get(FlinkDeployments, ns.name, NAME)),
      { timeoutMs: 60_000 },
    );
    return { runs, timelines, operatorMs, medianRun };
  } finally {
    stopWatching.abort();
    await op.stop();
  }
}

/**
 * Real Flink's savepoint duration: from the trigger in status until Flink wrote the savepoint's
 * `_metadata` (its last act), read from the file on the bench node's shared file system.
 */
async function savepointDuration(
  view: UpgradeView,
  timeline: UpgradeTimeline,
  stateDir: string,
  namespace: string,
): Promise<number> {
  const path = view.fds.get(`${namespace}/${NAME}`)?.status?.jobStatus?.upgradeSavepointPath;
  if (!path) throw new Error("no upgrade savepoint recorded");
  const local = path.replace(/^file:\/*/, "/");
  const stat = await Deno.stat(`${stateDir}/nodeagent/host-fs${local}/_metadata`);
  return stat.mtime!.getTime() - timeline.epochOf("savepoint triggered");
}

/** Caches of the FlinkDeployment, its JobManager Deployment and pods, with one listener slot. */
interface UpgradeView {
  fds: Store<Fd>;
  deployments: Store<KubeObject>;
  pods: Store<KubeObject>;
  current?: UpgradeTimeline;
}

async function watchUpgrade(
  client: KubeClient,
  namespace: string,
  signal: AbortSignal,
): Promise<UpgradeView> {
  const view: UpgradeView = { fds: new Store(), deployments: new Store(), pods: new Store() };
  const watch = <T extends KubeObject>(
    type: ResourceType,
    store: Store<T>,
    labelSelector: string | undefined,
    onEvent: (obj: T, deleted: boolean) => void,
  ) => {
    const watcher = new Watcher<T>({
      client,
      type,
      namespace,
      labelSelector,
      store,
      onApply: (obj) => onEvent(obj, false),
      onDelete: (obj) => onEvent(obj, true),
    });
    void watcher.run(signal);
    return watcher.synced;
  };
  await Promise.all([
    watch(FlinkDeployments, view.fds, undefined, (fd) => view.current?.onFd(fd)),
    watch(Resources.deployments, view.deployments, undefined, (d, deleted) => {
      if (d.metadata.name === NAME) view.current?.onDeployment(d, deleted);
    }),
    watch(
      Resources.pods,
      view.pods,
      `app=${NAME},component=jobmanager`,
      (pod, deleted) => view.current?.onPod(pod, deleted),
    ),
  ]);
  return view;
}

async function upgradeOnce(
  client: KubeClient,
  namespace: string,
  view: UpgradeView,
  nonce: number,
): Promise<UpgradeTimeline> {
  const fd = view.fds.get(`${namespace}/${NAME}`);
  const jobId = fd?.status?.jobStatus?.jobId;
  if (!fd || !jobId) throw new Error("the application has no running job to upgrade");
  const timeline = new UpgradeTimeline({
    jobId,
    upgradeSavepointPath: fd.status?.jobStatus?.upgradeSavepointPath,
    deploymentUid: view.deployments.get(`${namespace}/${NAME}`)?.metadata.uid,
    podUids: view.pods.list().map((p) => p.metadata.uid!),
  });
  view.current = timeline;
  await client.patch(FlinkDeployments, namespace, NAME, { spec: { restartNonce: nonce } });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      timeline.finished,
      new Promise((_, reject) =>
        timer = setTimeout(
          () => reject(new Error(`upgrade ${nonce} not RUNNING after ${UPGRADE_TIMEOUT_MS} ms`)),
          UPGRADE_TIMEOUT_MS,
        )
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
  await addSimulatorTimestamps(client, namespace, view, timeline);
  // Let the upgrade settle (STABLE, no stray pods) before the next one is timed.
  await waitForFd(
    client,
    namespace,
    NAME,
    "STABLE after the upgrade",
    (f) => isRunningStable(f) && f.status?.observedGeneration === f.metadata.generation,
  );
  view.current = undefined;
  return timeline;
}

/**
 * Adds the new job's submission and RUNNING instants as the simulated JobManager recorded them
 * (GET /jobs/:id `timestamps`, epoch ms). Read once the upgrade is over, so the measurement itself
 * adds no requests to the JobManager while it starts.
 */
async function addSimulatorTimestamps(
  client: KubeClient,
  namespace: string,
  view: UpgradeView,
  timeline: UpgradeTimeline,
): Promise<void> {
  const jobId = view.fds.get(`${namespace}/${NAME}`)?.status?.jobStatus?.jobId;
  const url = await jobManagerUrl(client, namespace, NAME);
  const res = await fetch(`${url}/v1/jobs/${jobId}`, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`GET /jobs/${jobId} answered ${res.status}`);
  const job = await res.json() as { timestamps?: Record<string, number> };
  const submitted = job.timestamps?.INITIALIZING;
  const running = job.timestamps?.RUNNING;
  if (!submitted || !running) throw new Error(`job ${jobId} has no INITIALIZING/RUNNING timestamp`);
  timeline.markAt("new job submitted (Flink)", submitted);
  timeline.markAt("new job RUNNING (Flink)", running);
}
