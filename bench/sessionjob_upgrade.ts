/**
 * operator.sessionjob-savepoint-upgrade-overhead: a savepoint-mode FlinkSessionJob on a running
 * session cluster (no cluster restart is involved) gets a new `restartNonce`; we time the patch
 * until its status reports a new job id RUNNING, and subtract what Flink takes — the simulator's
 * stop-with-savepoint (DEFAULT_SIM_TIMINGS.savepointMs) and the new job's start as the simulated
 * JobManager recorded it. The remainder is the operator's share: reacting, writing status ahead,
 * polling the savepoint, fetching and submitting the jar, and noticing the new job running.
 */
import { DEFAULT_SIM_TIMINGS } from "../cluster/flink-sim/timings.ts";
import { FlinkSessionJobs } from "../lib/flink/resources.ts";
import type { KubeClient } from "../lib/kube/client.ts";
import { Store } from "../lib/runtime/store.ts";
import { Watcher } from "../lib/runtime/watcher.ts";
import { freshNamespace, waitFor } from "../tests/support/cluster.ts";
import { jobManagerUrl } from "../tests/support/flink.ts";
import { FAST_OPERATOR_CONFIG, startOperator } from "../tests/support/operator.ts";
import {
  createReadySession,
  isSjRunningStable,
  localJar,
  sessionJob,
  sessionJobSettings,
  type Sj,
  waitForSj,
} from "../tests/support/session_job.ts";
import { type Benchmark, newResult } from "./benchmark.ts";
import { median, millis } from "./result.ts";

const NAME = "job";
const RUNS = 5;
const TARGET_MS = 300;
const UPGRADE_TIMEOUT_MS = 60_000;

export const sessionJobUpgrade: Benchmark = {
  name: "operator.sessionjob-savepoint-upgrade-overhead",
  description: "spec change of a savepoint-mode session job until the new job is RUNNING",
  async run({ cluster }) {
    const result = newResult("operator.sessionjob-savepoint-upgrade-overhead");
    const client = await cluster.client();
    await using ns = await freshNamespace("bench-sessionjob", { client });
    const op = await startOperator(client, ns.name, await sessionJobSettings());
    const stop = new AbortController();
    try {
      await createReadySession(client, ns.name, "session");
      await client.create(
        FlinkSessionJobs,
        ns.name,
        sessionJob(ns.name, NAME, "session", await localJar(), { upgradeMode: "savepoint" }),
      );
      await waitForSj(client, ns.name, NAME, "running", isSjRunningStable, 120_000);
      const jobs = new Store<Sj>();
      const changed = new EventTarget();
      const watcher = new Watcher<Sj>({
        client,
        type: FlinkSessionJobs,
        namespace: ns.name,
        store: jobs,
        onApply: () => changed.dispatchEvent(new Event("change")),
      });
      void watcher.run(stop.signal);
      await watcher.synced;

      const totals: number[] = [];
      const operator: number[] = [];
      for (let i = 1; i <= RUNS; i++) {
        const run = await upgradeOnce(client, ns.name, jobs, changed, i);
        totals.push(run.totalMs);
        operator.push(run.operatorMs);
        console.error(
          `    run ${i}: total ${millis(run.totalMs)}, job start ${millis(run.jobStartMs)}, ` +
            `operator ${millis(run.operatorMs)} (ms after the patch: ${run.timeline})`,
        );
      }
      const operatorMs = median(operator);
      result.figures.push(
        { label: "total", value: millis(median(totals)) },
        { label: "operator", value: millis(operatorMs) },
        { label: "runs (operator)", value: operator.map(millis).join(", ") },
      );
      result.targets.push({
        label: "operator share",
        actual: operatorMs,
        below: TARGET_MS,
        unit: "ms",
      });
      result.notes.push(
        `medians of ${RUNS} upgrades; total = restartNonce patch until status.jobStatus is ` +
          "RUNNING with a new job id; operator = total - stop-with-savepoint " +
          `(savepointMs ${DEFAULT_SIM_TIMINGS.savepointMs}, DEFAULT_SIM_TIMINGS) - the new job's ` +
          "INITIALIZING-to-RUNNING time recorded by the simulated JobManager",
        `operator settings: FAST_OPERATOR_CONFIG of tests/support/operator.ts (progress check ` +
          `${FAST_OPERATOR_CONFIG["kubernetes.operator.observer.progress-check.interval"]}); ` +
          "the application figure is operator.savepoint-upgrade-overhead",
      );
    } finally {
      stop.abort();
      await op.stop();
    }
    return result;
  },
};

async function upgradeOnce(
  client: KubeClient,
  namespace: string,
  jobs: Store<Sj>,
  changed: EventTarget,
  nonce: number,
): Promise<{ totalMs: number; jobStartMs: number; operatorMs: number; timeline: string }> {
  const key = `${namespace}/${NAME}`;
  const oldJob = jobs.get(key)?.status?.jobStatus?.jobId;
  if (!oldJob) throw new Error("the session job has no running job to upgrade");
  const started = Date.now();
  const timeline: string[] = [];
  let last = "";
  const trace = () => {
    const st = jobs.get(key)?.status;
    const step = describeStep(st);
    if (step !== last) timeline.push(`${Date.now() - started} ${step}`);
    last = step;
  };
  changed.addEventListener("change", trace);
  const running = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`upgrade ${nonce} not RUNNING after ${UPGRADE_TIMEOUT_MS} ms`)),
      UPGRADE_TIMEOUT_MS,
    );
    const check = () => {
      const js = jobs.get(key)?.status?.jobStatus;
      if (js?.state === "RUNNING" && js.jobId && js.jobId !== oldJob) {
        clearTimeout(timer);
        changed.removeEventListener("change", check);
        resolve(Date.now());
      }
    };
    changed.addEventListener("change", check);
  });
  await client.patch(FlinkSessionJobs, namespace, NAME, { spec: { restartNonce: nonce } });
  const totalMs = await running - started;
  changed.removeEventListener("change", trace);
  const jobId = jobs.get(key)!.status!.jobStatus!.jobId!;
  const url = await jobManagerUrl(client, namespace, "session");
  const res = await fetch(`${url}/v1/jobs/${jobId}`, { signal: AbortSignal.timeout(5000) });
  const job = await res.json() as { timestamps?: Record<string, number> };
  const jobStartMs = (job.timestamps?.RUNNING ?? 0) - (job.timestamps?.INITIALIZING ?? 0);
  // Let the upgrade settle (STABLE) before the next one is timed.
  await waitFor("the session job to settle", () => {
    const sj = jobs.get(key);
    return sj !== undefined && isSjRunningStable(sj) &&
      sj.status?.observedGeneration === sj.metadata.generation;
  });
  return {
    totalMs,
    jobStartMs,
    operatorMs: totalMs - DEFAULT_SIM_TIMINGS.savepointMs - jobStartMs,
    timeline: timeline.join(", "),
  };
}

/** The write-ahead step a status shows, for the timeline of an upgrade. */
function describeStep(status: Sj["status"]): string {
  const js = status?.jobStatus;
  const rs = status?.reconciliationStatus;
  const trigger = js?.savepointInfo?.triggerId ? " savepoint-triggered" : "";
  return `${rs?.state}/${js?.state}${js?.jobId ? "" : " no-id"}${trigger}`;
}
