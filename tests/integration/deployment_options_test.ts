/**
 * FlinkDeployment options at non-default values, on the simulator:
 * - `jm-deployment-recovery.enabled: false`: a lost JobManager Deployment stays lost;
 * - `job.upgrade.last-state-fallback.enabled: false`: a savepoint-mode upgrade of a job that does
 *   not run waits instead of restoring through HA (true, the default, falls back:
 *   tests/integration/deployment_failures_test.ts);
 * - operator-wide `observer.rest-ready.delay` (a JobManager whose REST port answers is READY only
 *   that much later), `flink.client.cancel.timeout` (bounds the cancel call) and
 *   `resource.deletion.propagation` (Orphan leaves the JobManager's ReplicaSet behind).
 */
import assert from "node:assert/strict";
import { FlinkDeployments } from "../../lib/flink/resources.ts";
import { type KubeObject, Resources } from "../../lib/kube/resource.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import {
  application,
  eventsFor,
  type Fd,
  getFd,
  isRunningStable,
  jobCounter,
  patchSpec,
  waitForFd,
} from "../support/flink.ts";

const P = "kubernetes.operator.";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function reconciledJob(fd: Fd) {
  return JSON.parse(fd.status!.reconciliationStatus!.lastReconciledSpec!).spec.job;
}

integrationTest(
  "jm-deployment-recovery and last-state fallback disabled: a lost JobManager stays lost, the upgrade waits",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "kept", {
          upgradeMode: "savepoint",
          ha: true,
          flinkConfiguration: {
            [`${P}jm-deployment-recovery.enabled`]: "false",
            [`${P}job.upgrade.last-state-fallback.enabled`]: "false",
          },
        }),
      );
      const before = await waitForFd(client, ns, "kept", "running", isRunningStable);
      await waitFor(
        "a checkpoint worth of state",
        async () => (await jobCounter(client, ns, "kept")) >= 15,
      );
      await sleep(1_500);

      await client.delete(Resources.deployments, ns, "kept", { propagationPolicy: "Background" });
      await waitForFd(
        client,
        ns,
        "kept",
        "JobManager MISSING",
        (f) => f.status?.jobManagerDeploymentStatus === "MISSING",
      );
      await sleep(3_000);
      assert.equal(await client.get(Resources.deployments, ns, "kept"), undefined, "not recreated");
      const events = await eventsFor(client, ns, "kept");
      assert.ok(!events.some((e) => e.reason === "RecoverDeployment"), JSON.stringify(events));

      // An upgrade now: no savepoint can be taken and the fallback is off, so it waits (as in
      // FKO, without an error of its own).
      await patchSpec(client, ns, "kept", { job: { args: ["--next"] } });
      await waitFor(
        "the operator to see the change",
        async () => (await eventsFor(client, ns, "kept")).some((e) => e.reason === "SpecChanged"),
      );
      await sleep(3_000);
      const waiting = (await getFd(client, ns, "kept"))!;
      assert.deepEqual(reconciledJob(waiting).args, [], "the upgrade did not happen");
      assert.equal(waiting.status!.observedGeneration, before.status!.observedGeneration);
      assert.equal(await client.get(Resources.deployments, ns, "kept"), undefined);

      // With the fallback allowed it upgrades through HA: the same job, its state kept.
      await patchSpec(client, ns, "kept", {
        flinkConfiguration: { [`${P}job.upgrade.last-state-fallback.enabled`]: "true" },
      });
      const fd = await waitForFd(
        client,
        ns,
        "kept",
        "upgraded through last-state",
        (f) => isRunningStable(f) && JSON.stringify(reconciledJob(f).args) === '["--next"]',
      );
      assert.equal(reconciledJob(fd).upgradeMode, "last-state");
      assert.equal(fd.status!.jobStatus!.jobId, before.status!.jobStatus!.jobId);
      assert.ok(waiting.metadata.generation! < fd.metadata.generation!);
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "observer.rest-ready.delay, flink.client.cancel.timeout and resource.deletion.propagation",
  async ({ client, ns, t }) => {
    const op = await startOperator(client, ns, {
      [`${P}observer.rest-ready.delay`]: "3 s",
      [`${P}flink.client.cancel.timeout`]: "1 s",
      [`${P}resource.deletion.propagation`]: "Orphan",
    });
    try {
      await t.step("READY the rest-ready delay after the REST port answered", async () => {
        // Last-state upgrades by cancel: a failed cancel fails the upgrade (a stateless one would
        // delete the cluster all the same, as FKO does).
        await client.create(
          FlinkDeployments,
          ns,
          application(ns, "sys", {
            upgradeMode: "last-state",
            ha: true,
            flinkConfiguration: { [`${P}job.upgrade.last-state.job-cancel.enabled`]: "true" },
          }),
        );
        const seen: Partial<Record<string, number>> = {};
        await waitFor("the JobManager to be READY", async () => {
          const status = (await getFd(client, ns, "sys"))?.status?.jobManagerDeploymentStatus;
          if (status) seen[status] ??= Date.now();
          return status === "READY";
        }, { intervalMs: 50 });
        const delay = seen.READY! - seen.DEPLOYED_NOT_READY!;
        assert.ok(delay >= 2_500 && delay < 7_000, `READY ${delay} ms after DEPLOYED_NOT_READY`);
        await waitForFd(client, ns, "sys", "running", isRunningStable);
      });

      await t.step("a cancel answered later than flink.client.cancel.timeout fails", async () => {
        // Every answer now takes 1.3 s: within flink.client.timeout (10 s), not the cancel timeout.
        await client.patch(FlinkDeployments, ns, "sys", {
          metadata: { annotations: { "sim.flinkop.dev/rest-delay-ms": "1300" } },
        });
        await sleep(1_500);
        await patchSpec(client, ns, "sys", { job: { state: "suspended" } });
        const timedOut = await waitFor("the cancel to time out", async () => {
          const events = await eventsFor(client, ns, "sys");
          const found = events.find((e) =>
            /PATCH \S*\/jobs\/[0-9a-f]{32}\S* did not complete within 1000 ms/.test(e.message)
          );
          if (found) return found;
          throw new Error(JSON.stringify([
            events.map((e) => [e.reason, e.message]),
            (await getFd(client, ns, "sys"))?.status,
          ]));
        });
        assert.equal(timedOut.type, "Warning");
        await client.patch(FlinkDeployments, ns, "sys", {
          metadata: { annotations: { "sim.flinkop.dev/rest-delay-ms": null } },
        });
        await waitForFd(
          client,
          ns,
          "sys",
          "suspended",
          (f) => f.status?.lifecycleState === "SUSPENDED",
        );
      });

      await t.step("deletion with Orphan propagation leaves the ReplicaSet", async () => {
        const replicaSets = async () =>
          (await client.list<KubeObject>(Resources.replicaSets, ns, {
            labelSelector: "app=sys,component=jobmanager",
          })).items;
        const [rs] = await replicaSets();
        assert.ok(rs, "the JobManager's ReplicaSet");
        await client.delete(FlinkDeployments, ns, "sys");
        await waitFor(
          "the resource to be gone",
          async () => (await getFd(client, ns, "sys")) === undefined,
        );
        assert.equal(await client.get(Resources.deployments, ns, "sys"), undefined);
        await sleep(2_000); // what the garbage collector would do with Background/Foreground
        const left = await replicaSets();
        assert.deepEqual(left.map((r) => r.metadata.uid), [rs.metadata.uid]);
        assert.deepEqual(left[0].metadata.ownerReferences ?? [], [], "orphaned");
      });
    } finally {
      await op.stop();
    }
  },
);
