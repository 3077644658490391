import assert from "node:assert/strict";
import { Resources } from "../../lib/kube/resource.ts";
import { FlinkDeployments } from "../../lib/flink/resources.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import {
  application,
  eventsFor,
  getFd,
  isRunningStable,
  jobCounter,
  patchSpec,
  waitForFd,
} from "../support/flink.ts";

integrationTest(
  "standalone mode: JobManager and TaskManager Deployments, savepoint upgrade",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "sa", {
          upgradeMode: "savepoint",
          extra: {
            mode: "standalone",
            taskManager: { replicas: 2, resource: { memory: "1g", cpu: 0.5 } },
          },
        }),
      );
      const fd = await waitForFd(client, ns, "sa", "running", isRunningStable);
      const jm = await client.get(Resources.deployments, ns, "sa");
      const tm = await client.get<{ spec?: { replicas?: number } } & typeof jm & object>(
        Resources.deployments,
        ns,
        "sa-taskmanager",
      );
      assert.equal(jm?.metadata.labels?.type, "flink-standalone-kubernetes");
      assert.equal(tm?.metadata.labels?.component, "taskmanager");
      assert.equal((tm as { spec?: { replicas?: number } }).spec?.replicas, 2);
      assert.ok(
        await client.get(Resources.services, ns, "sa"),
        "standalone always has the internal service",
      );
      assert.equal(fd.status!.taskManager?.replicas, 2);
      await waitFor("state", async () => (await jobCounter(client, ns, "sa")) >= 5);
      const before = await jobCounter(client, ns, "sa");
      await patchSpec(client, ns, "sa", { job: { args: ["--v2"] } });
      const after = await waitForFd(
        client,
        ns,
        "sa",
        "upgraded",
        (f) => f.status?.observedGeneration === 2 && isRunningStable(f),
      );
      assert.notEqual(after.status!.jobStatus!.jobId, fd.status!.jobStatus!.jobId);
      assert.ok((await jobCounter(client, ns, "sa")) >= before);
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "last-state with a too old checkpoint takes a savepoint instead",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "age", {
          upgradeMode: "last-state",
          ha: true,
          flinkConfiguration: {
            // Checkpoints are rare, so the newest one is always older than the allowed age.
            "execution.checkpointing.interval": "1 h",
            "kubernetes.operator.job.upgrade.last-state.max.allowed.checkpoint.age": "1 s",
          },
        }),
      );
      const fd = await waitForFd(client, ns, "age", "running", isRunningStable);
      await waitFor(
        "job older than the allowed checkpoint age",
        async () => (await jobCounter(client, ns, "age")) >= 20,
      );
      await patchSpec(client, ns, "age", { job: { args: ["--v2"] } });
      const after = await waitForFd(
        client,
        ns,
        "age",
        "upgraded",
        (f) => f.status?.observedGeneration === 2 && isRunningStable(f),
      );
      const js = after.status!.jobStatus!;
      assert.match(js.upgradeSavepointPath ?? "", /savepoint-/, "a savepoint was taken");
      assert.notEqual(js.jobId, fd.status!.jobStatus!.jobId, "restored from a savepoint, not HA");
      assert.ok((await jobCounter(client, ns, "age")) >= 20);
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "deletion with savepoint-on-deletion records the savepoint in an event",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "del", {
          upgradeMode: "savepoint",
          ha: true,
          flinkConfiguration: { "kubernetes.operator.job.savepoint-on-deletion": "true" },
        }),
      );
      await waitForFd(client, ns, "del", "running", isRunningStable);
      await client.delete(FlinkDeployments, ns, "del");
      await waitFor("deleted", async () => !(await getFd(client, ns, "del")), {
        timeoutMs: 60_000,
      });
      const events = await eventsFor(client, ns, "del");
      assert.ok(
        events.some((e) =>
          e.reason === "Cleanup" && /Savepoint taken on deletion: .*savepoint-/.test(e.message)
        ),
        JSON.stringify(events.map((e) => e.message)),
      );
      const ha = await client.list(Resources.configMaps, ns, {
        labelSelector: "app=del,type=flink-native-kubernetes",
      });
      assert.equal(ha.items.length, 0, "HA data removed with the cluster");
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "deletion never hangs: an unreachable JobManager is released after the cleanup timeout",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns, {
      "kubernetes.operator.resource.cleanup.timeout": "3 s",
      "kubernetes.operator.flink.client.timeout": "1 s",
    });
    try {
      const obj = application(ns, "stuck", {
        upgradeMode: "savepoint",
        flinkConfiguration: { "kubernetes.operator.job.savepoint-on-deletion": "true" },
      });
      await client.create(FlinkDeployments, ns, obj);
      await waitForFd(client, ns, "stuck", "running", isRunningStable);
      await client.patch(FlinkDeployments, ns, "stuck", {
        metadata: { annotations: { "sim.flinkop.dev/rest-unreachable": "hang" } },
      });
      await new Promise((r) => setTimeout(r, 1500));
      await client.delete(FlinkDeployments, ns, "stuck");
      await waitFor(
        "released despite the hanging JobManager",
        async () => !(await getFd(client, ns, "stuck")),
        { timeoutMs: 60_000 },
      );
      const events = await eventsFor(client, ns, "stuck");
      assert.ok(
        events.some((e) => e.reason === "CleanupFailed"),
        JSON.stringify(events.map((e) => e.reason)),
      );
    } finally {
      await op.stop();
    }
  },
);
