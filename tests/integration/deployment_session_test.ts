import assert from "node:assert/strict";
import { Resources } from "../../lib/kube/resource.ts";
import { FlinkDeployments, FlinkSessionJobs } from "../../lib/flink/resources.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import { eventsFor, getFd, patchSpec, waitForFd } from "../support/flink.ts";
import { sessionCluster } from "../support/session_job.ts";
import type { KubeObject } from "../../lib/kube/resource.ts";

integrationTest(
  "session cluster: deploy, upgrade, deletion blocked while session jobs exist",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(FlinkDeployments, ns, sessionCluster(ns, "session"));
      const fd = await waitForFd(
        client,
        ns,
        "session",
        "READY and STABLE",
        (f) =>
          f.status?.jobManagerDeploymentStatus === "READY" && f.status?.lifecycleState === "STABLE",
      );
      const running = fd.status!.conditions!.find((c) => c.type === "Running");
      assert.equal(running?.status, "True");
      assert.equal(running?.reason, "JobManagerReady");
      const rec = JSON.parse(fd.status!.reconciliationStatus!.lastReconciledSpec!);
      assert.equal(rec.spec.job, null);

      // Upgrade: any UPGRADE change redeploys the session cluster.
      const jmBefore = await client.get(Resources.deployments, ns, "session");
      await patchSpec(client, ns, "session", {
        flinkConfiguration: { "taskmanager.numberOfTaskSlots": "4" },
      });
      await waitForFd(
        client,
        ns,
        "session",
        "redeployed",
        (f) =>
          f.status?.observedGeneration === 2 && f.status?.lifecycleState === "STABLE" &&
          f.status?.jobManagerDeploymentStatus === "READY",
      );
      const jmAfter = await client.get(Resources.deployments, ns, "session");
      assert.notEqual(jmAfter?.metadata.uid, jmBefore?.metadata.uid, "the cluster was recreated");
      const conf = await client.get<KubeObject & { data?: Record<string, string> }>(
        Resources.configMaps,
        ns,
        "flink-config-session",
      );
      assert.match(Object.values(conf?.data ?? {}).join("\n"), /taskmanager\.numberOfTaskSlots: 4/);

      // A FlinkSessionJob referencing the cluster blocks its deletion.
      await client.create(FlinkSessionJobs, ns, {
        apiVersion: "flink.apache.org/v1beta1",
        kind: "FlinkSessionJob",
        metadata: { name: "user", namespace: ns },
        spec: {
          deploymentName: "session",
          job: { jarURI: "https://example.com/job.jar", parallelism: 1 },
        },
      } as KubeObject);
      await client.delete(FlinkDeployments, ns, "session");
      await waitFor(
        "a CleanupFailed event naming the session job",
        async () =>
          (await eventsFor(client, ns, "session")).some((e) =>
            e.reason === "CleanupFailed" && e.message.includes("user")
          ),
      );
      assert.ok(await getFd(client, ns, "session"), "still present while the session job exists");
      assert.ok(await client.get(Resources.deployments, ns, "session"), "cluster kept");

      await client.delete(FlinkSessionJobs, ns, "user");
      await waitFor(
        "the session FlinkDeployment to be deleted",
        async () => !(await getFd(client, ns, "session")),
        { timeoutMs: 60_000 },
      );
      await waitFor(
        "its cluster to be deleted",
        async () => !(await client.get(Resources.deployments, ns, "session")),
      );
    } finally {
      await op.stop();
    }
  },
);
