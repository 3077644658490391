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
  waitForFd,
} from "../support/flink.ts";

integrationTest(
  "application: first deploy reaches RUNNING and STABLE with FKO status",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(FlinkDeployments, ns, application(ns, "basic"));
      const fd = await waitForFd(client, ns, "basic", "job RUNNING and STABLE", isRunningStable);
      const st = fd.status!;
      assert.equal(st.jobManagerDeploymentStatus, "READY");
      assert.match(st.jobStatus!.jobId!, /^[0-9a-f]{32}$/);
      assert.equal(st.observedGeneration, fd.metadata.generation);
      const reconciled = JSON.parse(st.reconciliationStatus!.lastReconciledSpec!);
      assert.equal(reconciled.resource_metadata.apiVersion, "flink.apache.org/v1beta1");
      assert.equal(reconciled.spec.job.state, "running");
      assert.equal(reconciled.spec.job.upgradeMode, "stateless");
      assert.equal(
        st.reconciliationStatus!.lastStableSpec,
        st.reconciliationStatus!.lastReconciledSpec,
      );
      const running = st.conditions!.find((c) => c.type === "Running");
      assert.equal(running?.status, "True");
      assert.equal(running?.reason, "Running");
      assert.equal(st.clusterInfo?.["flink-version"]?.startsWith("1.20"), true);
      assert.ok(fd.metadata.finalizers?.includes("flinkdeployments.flink.apache.org/finalizer"));

      // FKO's objects: JobManager Deployment owned by the CR with the generation annotation.
      const jm = await client.get(Resources.deployments, ns, "basic");
      assert.equal(jm?.metadata.annotations?.["flinkdeployment.flink.apache.org/generation"], "1");
      assert.equal(jm?.metadata.ownerReferences?.[0].kind, "FlinkDeployment");
      assert.ok(await client.get(Resources.services, ns, "basic-rest"));
      assert.ok(await client.get(Resources.configMaps, ns, "flink-config-basic"));

      const c1 = await jobCounter(client, ns, "basic");
      await waitFor(
        "the job's counter to advance",
        async () => (await jobCounter(client, ns, "basic")) > c1,
      );

      const reasons = (await eventsFor(client, ns, "basic")).map((e) => e.reason);
      assert.ok(reasons.includes("Submit"), `events: ${reasons}`);
      assert.ok(reasons.includes("JobStatusChanged"), `events: ${reasons}`);

      // Deleting the resource cancels the job and removes the cluster.
      await client.delete(FlinkDeployments, ns, "basic");
      await waitFor(
        "the FlinkDeployment to be gone",
        async () => !(await getFd(client, ns, "basic")),
        {
          timeoutMs: 60_000,
        },
      );
      await waitFor(
        "the JobManager Deployment to be gone",
        async () => !(await client.get(Resources.deployments, ns, "basic")),
      );
    } finally {
      await op.stop();
    }
  },
);
