/**
 * Cluster health (FKO's cluster health check) and the time to live of a finished job's
 * JobManager, on the simulator: a restart storm past the threshold and a stalled checkpoint count
 * each restart the cluster through HA with the job's state; a finished job's JobManager goes after
 * `jm-deployment.shutdown-ttl`.
 */
import assert from "node:assert/strict";
import { FlinkDeployments } from "../../lib/flink/resources.ts";
import { Resources } from "../../lib/kube/resource.ts";
import { CLUSTER_HEALTH_INFO_KEY } from "../../lib/flink/spec/cluster_health.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import {
  application,
  eventsFor,
  type Fd,
  getFd,
  isRunningStable,
  jobCounter,
  waitForFd,
} from "../support/flink.ts";

const HEALTH = {
  "kubernetes.operator.cluster.health-check.enabled": "true",
};

async function annotate(
  client: Parameters<typeof getFd>[0],
  ns: string,
  name: string,
  annotations: Record<string, string | null>,
) {
  await client.patch(FlinkDeployments, ns, name, { metadata: { annotations } });
}

integrationTest(
  "cluster health: a restart storm past the threshold restarts the job through HA with its state",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "storm", {
          upgradeMode: "last-state",
          ha: true,
          flinkConfiguration: {
            ...HEALTH,
            "kubernetes.operator.cluster.health-check.restarts.threshold": "2",
          },
        }),
      );
      const fd = await waitForFd(client, ns, "storm", "running", isRunningStable);
      await waitFor("some state", async () => (await jobCounter(client, ns, "storm")) >= 10);
      await waitForFd(
        client,
        ns,
        "storm",
        "a health history",
        (f) => (f.status?.clusterInfo ?? {})[CLUSTER_HEALTH_INFO_KEY] !== undefined,
      );
      await new Promise((r) => setTimeout(r, 1200)); // a checkpoint lands in HA
      const before = await jobCounter(client, ns, "storm");
      const jm = await client.get(Resources.deployments, ns, "storm");

      await annotate(client, ns, "storm", { "sim.flinkop.dev/job-restarts": "6" });
      const restart = await waitFor(
        "a RestartUnhealthyJob event",
        async () =>
          (await eventsFor(client, ns, "storm")).find((e) => e.reason === "RestartUnhealthyJob"),
      );
      assert.equal(restart.message, "Restart count hit threshold: 2");
      await annotate(client, ns, "storm", { "sim.flinkop.dev/job-restarts": null });

      const after = await waitForFd(
        client,
        ns,
        "storm",
        "running again on a new cluster",
        (f) =>
          isRunningStable(f) &&
          f.status?.jobManagerDeploymentStatus === "READY",
      );
      const newJm = await client.get(Resources.deployments, ns, "storm");
      assert.notEqual(newJm?.metadata.uid, jm?.metadata.uid, "the cluster was restarted");
      assert.equal(after.status!.jobStatus!.jobId, fd.status!.jobStatus!.jobId, "HA keeps the id");
      const counter = await jobCounter(client, ns, "storm");
      assert.ok(counter >= before - 15, `restored from HA: ${counter} vs ${before}`);
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "cluster health: no completed checkpoint within the window restarts the job",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "stall", {
          upgradeMode: "last-state",
          ha: true,
          flinkConfiguration: {
            ...HEALTH,
            // The window must be at least max(interval, timeout) x (tolerable failures + 2).
            "execution.checkpointing.timeout": "1 s",
            "kubernetes.operator.cluster.health-check.checkpoint-progress.window": "3 s",
          },
        }),
      );
      await waitForFd(client, ns, "stall", "running", isRunningStable);
      await waitFor("a checkpoint", async () => (await jobCounter(client, ns, "stall")) >= 5);
      await waitForFd(
        client,
        ns,
        "stall",
        "a health history",
        (f: Fd) => (f.status?.clusterInfo ?? {})[CLUSTER_HEALTH_INFO_KEY] !== undefined,
      );
      const jm = await client.get(Resources.deployments, ns, "stall");

      await annotate(client, ns, "stall", { "sim.flinkop.dev/checkpoint-fail": "true" });
      const restart = await waitFor(
        "a RestartUnhealthyJob event",
        async () =>
          (await eventsFor(client, ns, "stall")).find((e) => e.reason === "RestartUnhealthyJob"),
      );
      assert.match(restart.message, /Cluster is not able to complete checkpoints/);
      await annotate(client, ns, "stall", { "sim.flinkop.dev/checkpoint-fail": null });
      await waitFor("a new JobManager Deployment", async () => {
        const now = await client.get(Resources.deployments, ns, "stall");
        return now !== undefined && now.metadata.uid !== jm?.metadata.uid;
      });
      await waitForFd(
        client,
        ns,
        "stall",
        "running again on the new cluster",
        (f) => isRunningStable(f) && f.status?.jobManagerDeploymentStatus === "READY",
      );
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "a finished job's JobManager is removed after jm-deployment.shutdown-ttl",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "done", {
          flinkConfiguration: { "kubernetes.operator.jm-deployment.shutdown-ttl": "2 s" },
        }),
      );
      await waitForFd(client, ns, "done", "running", isRunningStable);
      await annotate(client, ns, "done", { "sim.flinkop.dev/job-finish": "true" });
      await waitForFd(
        client,
        ns,
        "done",
        "FINISHED",
        (f) => f.status?.jobStatus?.state === "FINISHED",
      );
      await waitFor(
        "the JobManager Deployment to be removed",
        async () => !(await client.get(Resources.deployments, ns, "done")),
        { timeoutMs: 60_000 },
      );
      const fd = await waitForFd(
        client,
        ns,
        "done",
        "JobManager MISSING",
        (f) => f.status?.jobManagerDeploymentStatus === "MISSING",
      );
      assert.equal(fd.status?.jobStatus?.state, "FINISHED");
      // Not recovered: a finished job needs no JobManager.
      await new Promise((r) => setTimeout(r, 3000));
      assert.equal(await client.get(Resources.deployments, ns, "done"), undefined);
    } finally {
      await op.stop();
    }
  },
);
