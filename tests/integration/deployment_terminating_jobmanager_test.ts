/**
 * A JobManager Deployment that outlives `resource.cleanup.timeout` (a finalizer holds it here; in
 * the chaos run it was a slow garbage collector after an API-server restart) must not be replaced
 * by the upgrade's deploy: a replaced object keeps its deletionTimestamp, so the garbage
 * collector would delete the new JobManager with it and a savepoint-mode job without HA could not
 * be recovered. The deploy waits, says so in status, and goes on once the old one is gone.
 */
import assert from "node:assert/strict";
import { type KubeObject, Resources } from "../../lib/kube/resource.ts";
import { FlinkDeployments } from "../../lib/flink/resources.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import {
  application,
  eventsFor,
  isRunningStable,
  jobCounter,
  patchSpec,
  waitForFd,
} from "../support/flink.ts";

const HOLD = "test.flinkop.dev/hold";

integrationTest(
  "an upgrade waits for a JobManager Deployment still being deleted instead of replacing it",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns, {
      "kubernetes.operator.resource.cleanup.timeout": "2 s",
    });
    try {
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "held", { upgradeMode: "savepoint" }),
      );
      await waitForFd(client, ns, "held", "running", isRunningStable);
      const old = await client.get<KubeObject>(Resources.deployments, ns, "held");
      await client.patch(Resources.deployments, ns, "held", {
        metadata: { finalizers: [HOLD] },
      });
      await waitFor("the job has counted", async () => (await jobCounter(client, ns, "held")) > 0);
      const counted = await jobCounter(client, ns, "held");

      await patchSpec(client, ns, "held", { job: { args: ["--after"] } });
      const waiting = await waitForFd(
        client,
        ns,
        "held",
        "waiting for the old JobManager Deployment",
        (f) => (f.status?.error ?? "").includes("still being deleted"),
        60_000,
      );
      assert.match(waiting.status!.error!, /Deployment .*held/);
      const savepoint = waiting.status!.jobStatus?.upgradeSavepointPath;
      assert.ok(savepoint, "the upgrade's savepoint is recorded before the deploy waits");
      const held = await client.get<KubeObject>(Resources.deployments, ns, "held");
      assert.equal(held?.metadata.uid, old?.metadata.uid, "the terminating Deployment was kept");
      assert.ok(held?.metadata.deletionTimestamp, "and it is still being deleted");
      assert.ok(
        (await eventsFor(client, ns, "held")).some((e) =>
          e.reason === "Waiting" && e.message.includes("still being deleted")
        ),
      );

      await client.patch(Resources.deployments, ns, "held", { metadata: { finalizers: null } });
      const after = await waitForFd(
        client,
        ns,
        "held",
        "running on the new spec",
        (f) =>
          isRunningStable(f) &&
          JSON.stringify(f.status?.reconciliationStatus?.lastReconciledSpec ?? "").includes(
            "--after",
          ),
        90_000,
      );
      assert.equal(after.status?.error ?? undefined, undefined);
      const jm = await client.get<KubeObject>(Resources.deployments, ns, "held");
      assert.notEqual(jm?.metadata.uid, old?.metadata.uid);
      assert.equal(jm?.metadata.deletionTimestamp, undefined);
      assert.ok(
        (await jobCounter(client, ns, "held")) >= counted,
        "the job restored from the upgrade's savepoint",
      );
    } finally {
      await op.stop();
    }
  },
);
