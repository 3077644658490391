/**
 * The job lifecycle on real Flink (the node agent's `real` runtime, cluster/flink-real): the
 * operator drives real JobManager and TaskManager JVMs through every upgrade mode, suspend and
 * resume, snapshots and a failing start, and a session job through a savepoint upgrade. State is
 * proven by the counter job: Flink itself reports what each job restored from, and key 0's count
 * (the `counter` accumulator) continues instead of starting at 1.
 *
 * Real JVMs cost ~2 CPU-seconds each to start on 2 cores: one real cluster at a time, and each
 * scenario walks one resource through several steps rather than starting one per step.
 */
import assert from "node:assert/strict";
import { ensureRealFlink } from "../../cluster/flink-real/dist.ts";
import {
  FlinkDeployments,
  FlinkSessionJobs,
  FlinkStateSnapshots,
} from "../../lib/flink/resources.ts";
import type { KubeClient } from "../../lib/kube/client.ts";
import { type KubeObject, Resources } from "../../lib/kube/resource.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import {
  type Fd,
  isRunningStable,
  jobCounter,
  jobManagerUrl,
  patchSpec,
  waitForFd,
} from "../support/flink.ts";
import { realApplication } from "../support/real_flink.ts";
import {
  errorOf,
  getSj,
  isSjRunningStable,
  patchSjSpec,
  sessionJob,
  sessionJobCounter,
  sessionJobSettings,
  waitForSj,
} from "../support/session_job.ts";
import { exists, hostPath, snapshotResource, waitForSnapshot } from "./snapshot_helpers.ts";
import { errorMessageOf } from "../../lib/flink/spec/error_json.ts";

const REAL_TIMEOUT_MS = 180_000;

/** What Flink reports the job restored from (`latest.restored.external_path`), if anything. */
async function restoredFrom(url: string, jobId: string): Promise<string | null> {
  const res = await fetch(`${url}/v1/jobs/${jobId}/checkpoints`);
  if (!res.ok) throw new Error(`GET /jobs/${jobId}/checkpoints: ${res.status}`);
  const body = await res.json() as { latest?: { restored?: { external_path?: string } | null } };
  return body.latest?.restored?.external_path ?? null;
}

/** Flink reports paths as `file:/x`, the operator records what Flink returned: compare the path. */
function samePath(a: string | null | undefined, b: string | null | undefined): boolean {
  const norm = (p: string | null | undefined) => p?.replace(/^file:\/*/, "/").replace(/\/$/, "");
  return norm(a) === norm(b);
}

/** The first counter value the (new) job reports: its state right after its start. */
async function firstCount(read: () => Promise<number>): Promise<number> {
  return await waitFor("the job's first counter value", async () => {
    const value = await read().catch(() => 0);
    return value > 0 ? value : undefined;
  }, { timeoutMs: 60_000, intervalMs: 250 });
}

async function runningGeneration(client: KubeClient, ns: string, name: string, generation: number) {
  return await waitForFd(
    client,
    ns,
    name,
    `generation ${generation} running and stable`,
    (fd: Fd) => fd.status?.observedGeneration === generation && isRunningStable(fd),
    REAL_TIMEOUT_MS,
  );
}

async function countAtLeast(client: KubeClient, ns: string, name: string, minimum: number) {
  return await waitFor(`${name}'s counter to reach ${minimum}`, async () => {
    const c = await jobCounter(client, ns, name).catch(() => 0);
    return c >= minimum ? c : undefined;
  }, { timeoutMs: 90_000, intervalMs: 500 });
}

async function deleteAndWait(client: KubeClient, ns: string, name: string): Promise<void> {
  await client.delete(FlinkDeployments, ns, name).catch(() => {});
  await waitFor(
    `${name}'s real cluster to be gone`,
    async () =>
      (await client.list(Resources.pods, ns, { labelSelector: `app=${name}` })).items.length === 0,
    { timeoutMs: 90_000 },
  ).catch(() => {});
}

integrationTest(
  "real Flink 1.20: savepoint, last-state and stateless upgrades, suspend/resume, restartNonce, snapshots",
  async ({ client, ns }) => {
    await ensureRealFlink();
    const op = await startOperator(client, ns);
    const name = "counter";
    try {
      await client.create(
        FlinkDeployments,
        ns,
        realApplication(ns, name, { upgradeMode: "savepoint" }),
      );
      let fd = await runningGeneration(client, ns, name, 1);
      let before = await countAtLeast(client, ns, name, 30);

      // FlinkStateSnapshots of the running job: a savepoint (disposed of on deletion) and a
      // checkpoint.
      const jobReference = { kind: "FlinkDeployment", name };
      await client.create(
        FlinkStateSnapshots,
        ns,
        snapshotResource(ns, "sp", { jobReference, savepoint: { disposeOnDelete: true } }),
      );
      await client.create(
        FlinkStateSnapshots,
        ns,
        snapshotResource(ns, "cp", { jobReference, checkpoint: {} }),
      );
      const sp = await waitForSnapshot(
        client,
        ns,
        "sp",
        "COMPLETED",
        (s) => s.status?.state === "COMPLETED",
        REAL_TIMEOUT_MS,
      );
      const cp = await waitForSnapshot(
        client,
        ns,
        "cp",
        "COMPLETED",
        (s) => s.status?.state === "COMPLETED",
        REAL_TIMEOUT_MS,
      );
      assert.match(sp.status!.path!, /savepoint-/);
      assert.match(cp.status!.path!, /chk-\d+/);
      const savepointDir = hostPath(sp.status!.path!);
      assert.ok(await exists(`${savepointDir}/_metadata`), `savepoint data in ${savepointDir}`);
      await client.delete(FlinkStateSnapshots, ns, "sp");
      await waitFor(
        "Flink to dispose of the savepoint's files",
        async () => !(await exists(savepointDir)),
        { timeoutMs: 60_000 },
      );

      // 1. Savepoint upgrade: stop-with-savepoint, the new job restores from it.
      await patchSpec(client, ns, name, { job: { args: ["--rate", "40"] } });
      fd = await runningGeneration(client, ns, name, 2);
      let js = fd.status!.jobStatus!;
      let url = await jobManagerUrl(client, ns, name);
      assert.match(js.upgradeSavepointPath ?? "", /savepoint-/);
      assert.ok(samePath(await restoredFrom(url, js.jobId!), js.upgradeSavepointPath));
      let first = await firstCount(() => jobCounter(client, ns, name));
      assert.ok(first >= before, `savepoint upgrade kept the state: ${first} < ${before}`);

      // 2. Last-state upgrade without HA: cancel, restore from the newest checkpoint.
      before = await countAtLeast(client, ns, name, first + 30);
      await patchSpec(client, ns, name, { job: { upgradeMode: "last-state", args: [] } });
      fd = await runningGeneration(client, ns, name, 3);
      js = fd.status!.jobStatus!;
      url = await jobManagerUrl(client, ns, name);
      assert.match(js.upgradeSavepointPath ?? "", /chk-\d+/);
      assert.ok(samePath(await restoredFrom(url, js.jobId!), js.upgradeSavepointPath));
      first = await firstCount(() => jobCounter(client, ns, name));
      // The newest checkpoint is at most one interval (2 s, ~25 counts) older than the cancel.
      assert.ok(first >= before - 30, `last-state upgrade kept the state: ${first} vs ${before}`);

      // 3. Suspend (cancel, checkpoint recorded) and resume from it.
      before = await countAtLeast(client, ns, name, first + 30);
      await patchSpec(client, ns, name, { job: { state: "suspended" } });
      fd = await waitForFd(
        client,
        ns,
        name,
        "suspended",
        (f) => f.status?.lifecycleState === "SUSPENDED",
        REAL_TIMEOUT_MS,
      );
      assert.match(fd.status!.jobStatus!.upgradeSavepointPath ?? "", /chk-\d+/);
      await waitFor(
        "the suspended cluster's pods to be gone",
        async () =>
          (await client.list(Resources.pods, ns, { labelSelector: `app=${name}` })).items
            .length === 0,
        { timeoutMs: 90_000 },
      );
      await patchSpec(client, ns, name, { job: { state: "running" } });
      fd = await runningGeneration(client, ns, name, 5);
      first = await firstCount(() => jobCounter(client, ns, name));
      assert.ok(first >= before - 30, `resume kept the state: ${first} vs ${before}`);

      // 4. restartNonce restarts with the upgrade mode (last-state).
      before = await countAtLeast(client, ns, name, first + 20);
      const oldJob = fd.status!.jobStatus!.jobId;
      await client.patch(FlinkDeployments, ns, name, { spec: { restartNonce: 1 } });
      fd = await runningGeneration(client, ns, name, 6);
      assert.notEqual(fd.status!.jobStatus!.jobId, oldJob);
      first = await firstCount(() => jobCounter(client, ns, name));
      assert.ok(first >= before - 30, `restartNonce kept the state: ${first} vs ${before}`);

      // 5. Stateless upgrade: the new job starts empty.
      before = await countAtLeast(client, ns, name, first + 20);
      await patchSpec(client, ns, name, {
        job: { upgradeMode: "stateless", args: ["--rate", "60"] },
      });
      fd = await runningGeneration(client, ns, name, 7);
      url = await jobManagerUrl(client, ns, name);
      assert.equal(await restoredFrom(url, fd.status!.jobStatus!.jobId!), null);
      first = await firstCount(() => jobCounter(client, ns, name));
      assert.ok(first < before, `stateless: the counter starts over (${first} vs ${before})`);
    } finally {
      await deleteAndWait(client, ns, name);
      await op.stop();
    }
  },
);

integrationTest(
  "real Flink 1.20: a job that cannot start (missing savepoint) shows Flink's error in status.error",
  async ({ client, ns }) => {
    await ensureRealFlink();
    const op = await startOperator(client, ns);
    const name = "broken";
    try {
      await client.create(
        FlinkDeployments,
        ns,
        realApplication(ns, name, {
          upgradeMode: "savepoint",
          job: { initialSavepointPath: `file:///flink-data/${ns}/nowhere/savepoint-000000-0` },
        }),
      );
      // Real Flink 1.20's standalone application entry point exits (code 2) when the restore
      // path is missing, so the JobManager crash-loops; the operator reports Flink's own words,
      // whichever way it learns them first (the failed job's result, or the JobManager's exit).
      const fd = await waitForFd(
        client,
        ns,
        name,
        "Flink's error in status.error",
        (f) => /Cannot find checkpoint or savepoint/.test(errorMessageOf(f.status?.error) ?? ""),
        REAL_TIMEOUT_MS,
      );
      const message = errorMessageOf(fd.status!.error) ?? "";
      assert.match(message, /nowhere\/savepoint-000000-0/, message);
      const failed = fd.status?.jobStatus?.state === "FAILED" ||
        fd.status?.jobManagerDeploymentStatus === "ERROR";
      assert.ok(failed, JSON.stringify(fd.status));
    } finally {
      await deleteAndWait(client, ns, name);
      await op.stop();
    }
  },
);

integrationTest(
  "real Flink 2.2: deploy and a savepoint upgrade keep the state",
  async ({ client, ns }) => {
    await ensureRealFlink();
    const op = await startOperator(client, ns);
    const name = "counter";
    try {
      await client.create(
        FlinkDeployments,
        ns,
        realApplication(ns, name, { release: "2.2", upgradeMode: "savepoint" }),
      );
      await runningGeneration(client, ns, name, 1);
      const before = await countAtLeast(client, ns, name, 30);
      await patchSpec(client, ns, name, { job: { args: ["--rate", "40"] } });
      const fd = await runningGeneration(client, ns, name, 2);
      const js = fd.status!.jobStatus!;
      const url = await jobManagerUrl(client, ns, name);
      assert.ok(samePath(await restoredFrom(url, js.jobId!), js.upgradeSavepointPath));
      const first = await firstCount(() => jobCounter(client, ns, name));
      assert.ok(first >= before, `kept the state: ${first} < ${before}`);
    } finally {
      await deleteAndWait(client, ns, name);
      await op.stop();
    }
  },
);

integrationTest(
  "real Flink 1.20: a FlinkSessionJob on a standalone session cluster, savepoint upgrade",
  async ({ client, ns }) => {
    const home = (await ensureRealFlink()).find((h) => h.release.line === "1.20")!;
    const op = await startOperator(
      client,
      ns,
      await sessionJobSettings(),
    );
    const cluster = "session";
    try {
      const app = realApplication(ns, cluster) as KubeObject & { spec: Record<string, unknown> };
      delete app.spec.job;
      (app.spec.taskManager as Record<string, unknown>).replicas = 1;
      await client.create(FlinkDeployments, ns, app);
      await waitForFd(
        client,
        ns,
        cluster,
        "READY and STABLE",
        (f) =>
          f.status?.jobManagerDeploymentStatus === "READY" && f.status?.lifecycleState === "STABLE",
        REAL_TIMEOUT_MS,
      );
      await client.create(
        FlinkSessionJobs,
        ns,
        sessionJob(ns, "job", cluster, `file://${home.counterJar}`, {
          upgradeMode: "savepoint",
          job: { entryClass: "dev.flinkop.jobs.CounterJob" },
        }),
      );
      let sj = await waitForSj(client, ns, "job", "running", isSjRunningStable, REAL_TIMEOUT_MS);
      const oldJob = sj.status!.jobStatus!.jobId!;
      const before = await waitFor("the session job's counter to reach 30", async () => {
        const c = await sessionJobCounter(client, ns, cluster, oldJob).catch(() => 0);
        return c >= 30 ? c : undefined;
      }, { timeoutMs: 90_000, intervalMs: 500 });

      await patchSjSpec(client, ns, "job", { job: { args: ["--rate", "40"] } });
      sj = await waitForSj(
        client,
        ns,
        "job",
        "upgraded and running",
        (s) => isSjRunningStable(s) && s.status?.observedGeneration === 2,
        REAL_TIMEOUT_MS,
      );
      assert.equal(errorOf(sj), "");
      const js = sj.status!.jobStatus!;
      assert.notEqual(js.jobId, oldJob);
      const url = await jobManagerUrl(client, ns, cluster);
      assert.ok(samePath(await restoredFrom(url, js.jobId!), js.upgradeSavepointPath));
      const first = await firstCount(() => sessionJobCounter(client, ns, cluster, js.jobId!));
      assert.ok(first >= before, `the session job kept its state: ${first} < ${before}`);
      // The old job finished with the savepoint; exactly one job runs.
      const overview = await (await fetch(`${url}/v1/jobs/overview`)).json() as {
        jobs: { jid: string; state: string }[];
      };
      assert.deepEqual(
        overview.jobs.filter((j) => j.state === "RUNNING").map((j) => j.jid),
        [js.jobId],
      );
      await client.delete(FlinkSessionJobs, ns, "job");
      await waitFor("the session job to go", async () => !(await getSj(client, ns, "job")));
    } finally {
      await client.delete(FlinkSessionJobs, ns, "job").catch(() => {});
      await deleteAndWait(client, ns, cluster);
      await op.stop();
    }
  },
);
