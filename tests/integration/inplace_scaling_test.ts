/**
 * In-place rescaling (FKO NativeFlinkService.scale) on the simulator: with the adaptive scheduler,
 * a change of `pipeline.jobvertex-parallelism-overrides` alone is applied through
 * `PUT /jobs/:id/resource-requirements` with a `Scaling` event — same job, same JobManager —;
 * without it (or with `job.upgrade.inplace-scaling.enabled: false`) the change is an upgrade. And
 * `kubectl scale flinkdep` through the scale subresource (`spec.taskManager.replicas`).
 */
import assert from "node:assert/strict";
import { FlinkDeployments, FlinkSessionJobs } from "../../lib/flink/resources.ts";
import type { KubeClient } from "../../lib/kube/client.ts";
import { Resources } from "../../lib/kube/resource.ts";
import { testKubeconfig } from "../support/cluster.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import {
  application,
  eventsFor,
  type Fd,
  getFd,
  isRunningStable,
  jobCounter,
  jobManagerUrl,
  waitForFd,
} from "../support/flink.ts";
import {
  localJar,
  sessionCluster,
  sessionJob,
  sessionJobSettings,
  waitForSj,
} from "../support/session_job.ts";

const OVERRIDES = "pipeline.jobvertex-parallelism-overrides";
const ADAPTIVE = { "jobmanager.scheduler": "adaptive" };

interface Requirements {
  [vertex: string]: { parallelism: { lowerBound: number; upperBound: number } };
}

/** The job's one vertex and its bounds, from the JobManager's REST API. */
async function requirements(url: string, jobId: string): Promise<Requirements> {
  const res = await fetch(`${url}/v1/jobs/${jobId}/resource-requirements`);
  assert.equal(res.status, 200, await res.clone().text());
  return await res.json();
}

async function vertexOf(url: string, jobId: string): Promise<string> {
  const res = await fetch(`${url}/v1/jobs/${jobId}`);
  const body = await res.json() as { vertices: { id: string }[] };
  return body.vertices[0].id;
}

/** Tasks of the running job: its parallelism (the jobs overview is not cached by Flink). */
async function runningTasks(url: string, jobId: string): Promise<number | undefined> {
  const res = await fetch(`${url}/v1/jobs/overview`);
  const body = await res.json() as {
    jobs: { jid: string; state: string; tasks: { total: number } }[];
  };
  const job = body.jobs.find((j) => j.jid === jobId);
  return job?.state === "RUNNING" ? job.tasks.total : undefined;
}

function reconciledConfig(fd: Fd): Record<string, string> {
  const rec = JSON.parse(fd.status!.reconciliationStatus!.lastReconciledSpec!);
  return rec.spec.flinkConfiguration;
}

async function patchConfig(client: KubeClient, ns: string, name: string, conf: object) {
  await client.patch(FlinkDeployments, ns, name, { spec: { flinkConfiguration: conf } });
}

integrationTest(
  "in-place scaling: a parallelism override change alone keeps the job, its JobManager and its state",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "rescale", { upgradeMode: "savepoint", flinkConfiguration: ADAPTIVE }),
      );
      const fd = await waitForFd(client, ns, "rescale", "running", isRunningStable);
      const jobId = fd.status!.jobStatus!.jobId!;
      const jm = await client.get(Resources.deployments, ns, "rescale");
      const url = await jobManagerUrl(client, ns, "rescale");
      const vertex = await vertexOf(url, jobId);
      await waitFor("some state", async () => (await jobCounter(client, ns, "rescale")) >= 5);

      await patchConfig(client, ns, "rescale", { [OVERRIDES]: `${vertex}:3` });
      const scaling = await waitFor(
        "a Scaling event",
        async () => (await eventsFor(client, ns, "rescale")).find((e) => e.reason === "Scaling"),
      );
      assert.equal(scaling.message, "In-place scaling triggered");
      assert.equal(scaling.type, "Normal");
      const after = await waitForFd(
        client,
        ns,
        "rescale",
        "the override recorded and the job running",
        (f) => isRunningStable(f) && reconciledConfig(f)[OVERRIDES] === `${vertex}:3`,
      );

      assert.equal(after.status!.jobStatus!.jobId, jobId, "the same job");
      const jmAfter = await client.get(Resources.deployments, ns, "rescale");
      assert.equal(jmAfter?.metadata.uid, jm?.metadata.uid, "the same JobManager");
      assert.deepEqual((await requirements(url, jobId))[vertex].parallelism, {
        lowerBound: 1,
        upperBound: 3,
      });
      await waitFor("three running tasks", async () => (await runningTasks(url, jobId)) === 3);
      assert.ok((await jobCounter(client, ns, "rescale")) >= 5, "state kept through the rescale");
      const events = await eventsFor(client, ns, "rescale");
      const changed = events.find((e) => e.reason === "SpecChanged");
      assert.match(changed?.message ?? "", /^SCALE change\(s\) detected/);
      assert.ok(!events.some((e) => e.reason === "Suspended"), "nothing was stopped");
      assert.equal(after.status!.jobStatus!.upgradeSavepointPath, undefined, "no savepoint");

      // Back down: only the upper bound moves; the lower bound stays at or below it.
      await patchConfig(client, ns, "rescale", { [OVERRIDES]: `${vertex}:1` });
      await waitFor("one running task", async () => (await runningTasks(url, jobId)) === 1);
      const down = await waitForFd(
        client,
        ns,
        "rescale",
        "scaled down and recorded",
        (f) => isRunningStable(f) && reconciledConfig(f)[OVERRIDES] === `${vertex}:1`,
      );
      assert.equal(down.status!.jobStatus!.jobId, jobId);
      const scalings = (await eventsFor(client, ns, "rescale")).filter((e) =>
        e.reason === "Scaling"
      );
      assert.equal(scalings.reduce((n, e) => n + (e.count ?? 1), 0), 2);
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "in-place scaling falls back to an upgrade without the adaptive scheduler or with the option off",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      const cases = [
        { name: "default-scheduler", conf: {} },
        {
          name: "option-off",
          conf: { ...ADAPTIVE, "kubernetes.operator.job.upgrade.inplace-scaling.enabled": "false" },
        },
      ];
      for (const c of cases) {
        await client.create(
          FlinkDeployments,
          ns,
          application(ns, c.name, { flinkConfiguration: c.conf }),
        );
      }
      for (const c of cases) {
        const fd = await waitForFd(client, ns, c.name, "running", isRunningStable);
        const jm = await client.get(Resources.deployments, ns, c.name);
        const url = await jobManagerUrl(client, ns, c.name);
        const vertex = await vertexOf(url, fd.status!.jobStatus!.jobId!);
        await patchConfig(client, ns, c.name, { [OVERRIDES]: `${vertex}:3` });
        await waitFor(`${c.name}: a new JobManager`, async () => {
          const now = await client.get(Resources.deployments, ns, c.name);
          return now !== undefined && now.metadata.uid !== jm?.metadata.uid;
        });
        const after = await waitForFd(
          client,
          ns,
          c.name,
          "upgraded and running",
          (f) => isRunningStable(f) && reconciledConfig(f)[OVERRIDES] === `${vertex}:3`,
        );
        const newUrl = await jobManagerUrl(client, ns, c.name);
        await waitFor(
          `${c.name}: the override applied at submission`,
          async () => (await runningTasks(newUrl, after.status!.jobStatus!.jobId!)) === 3,
        );
        const events = await eventsFor(client, ns, c.name);
        assert.ok(!events.some((e) => e.reason === "Scaling"), `${c.name}: no in-place scaling`);
      }
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "in-place scaling of a FlinkSessionJob on an adaptive session cluster",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns, await sessionJobSettings());
    try {
      const jar = await localJar();
      await client.create(
        FlinkDeployments,
        ns,
        sessionCluster(ns, "session", { flinkConfiguration: ADAPTIVE }),
      );
      await client.create(FlinkSessionJobs, ns, sessionJob(ns, "job", "session", jar));
      const sj = await waitForSj(
        client,
        ns,
        "job",
        "running",
        (s) => s.status?.jobStatus?.state === "RUNNING" && s.status?.lifecycleState === "STABLE",
      );
      const jobId = sj.status!.jobStatus!.jobId!;
      const url = await jobManagerUrl(client, ns, "session");
      const vertex = await vertexOf(url, jobId);
      await client.patch(FlinkSessionJobs, ns, "job", {
        spec: { flinkConfiguration: { [OVERRIDES]: `${vertex}:4` } },
      });
      await waitFor(
        "a Scaling event",
        async () => (await eventsFor(client, ns, "job")).find((e) => e.reason === "Scaling"),
      );
      const after = await waitForSj(
        client,
        ns,
        "job",
        "the override recorded",
        (s) =>
          s.status?.reconciliationStatus?.state === "DEPLOYED" &&
          JSON.parse(s.status.reconciliationStatus.lastReconciledSpec ?? "{}").spec
              ?.flinkConfiguration?.[OVERRIDES] === `${vertex}:4`,
      );
      assert.equal(after.status!.jobStatus!.jobId, jobId, "the same job");
      await waitFor("four running tasks", async () => (await runningTasks(url, jobId)) === 4);
    } finally {
      await op.stop();
    }
  },
);

async function kubectl(args: string[]): Promise<{ code: number; out: string }> {
  const { code, stdout, stderr } = await new Deno.Command("kubectl", {
    args: ["--kubeconfig", await testKubeconfig(), ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code, out: new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr) };
}

integrationTest(
  "kubectl scale flinkdep: TaskManager replicas through the scale subresource",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(FlinkDeployments, ns, application(ns, "scaled"));
      await waitForFd(client, ns, "scaled", "running", isRunningStable);
      // Two slots per TaskManager, parallelism 2: one TaskManager, in the scale subresource's
      // status side (its spec side needs spec.taskManager.replicas, which is not set yet).
      const before = (await getFd(client, ns, "scaled"))!.status!.taskManager;
      assert.deepEqual(before, { labelSelector: "component=taskmanager,app=scaled", replicas: 1 });

      const scaled = await kubectl(["-n", ns, "scale", "flinkdep/scaled", "--replicas=3"]);
      assert.equal(scaled.code, 0, scaled.out);
      // Native mode: replicas decide the parallelism (3 x 2 slots), applied by an upgrade.
      const fd = await waitForFd(
        client,
        ns,
        "scaled",
        "redeployed with three TaskManagers",
        (f) => isRunningStable(f) && f.status?.taskManager?.replicas === 3,
      );
      assert.equal(fd.spec.taskManager?.replicas, 3);
      const url = await jobManagerUrl(client, ns, "scaled");
      await waitFor(
        "parallelism 6",
        async () => (await runningTasks(url, fd.status!.jobStatus!.jobId!)) === 6,
      );
      const after = await kubectl(
        ["-n", ns, "get", "flinkdep/scaled", "--subresource=scale", "-o", "json"],
      );
      assert.equal(JSON.parse(after.out).status.replicas, 3, after.out);
      assert.equal((await getFd(client, ns, "scaled"))!.status!.taskManager!.replicas, 3);
    } finally {
      await op.stop();
    }
  },
);
