import assert from "node:assert/strict";
import { FlinkDeployments } from "../../lib/flink/resources.ts";
import { Resources } from "../../lib/kube/resource.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { installCrds } from "../support/operator.ts";
import { spawnOperator } from "../support/operator_process.ts";
import {
  application,
  type Fd,
  isRunningStable,
  jobCounter,
  jobManagerUrl,
  patchSpec,
  upgradeSnapshots,
  waitForFd,
} from "../support/flink.ts";
import { createOrReplace } from "../../lib/flink/cluster_ops.ts";

/**
 * The write-ahead points of a savepoint upgrade, in order (see lib/flink/job): the stop
 * trigger recorded, the savepoint recorded with the upgrade target, the restore attempt, the new
 * job id, the JobManager Deployment created without its Services and ConfigMaps yet (found by the
 * chaos run: the next operator left the JobManager unreachable), and the deployed spec.
 */
const CRASH_POINTS = [
  "savepoint-triggered",
  "upgrade-suspended",
  "before-restore",
  "job-id-recorded",
  "jobmanager-deployment-created",
  "deployed",
];

for (const point of CRASH_POINTS) {
  integrationTest(
    `crash safety: operator killed after '${point}' finishes the savepoint upgrade`,
    async ({ client, ns }) => {
      await installCrds(client);
      await createOrReplace(client, Resources.serviceAccounts, {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: "flink", namespace: ns },
      });
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "wal", { upgradeMode: "savepoint" }),
      );

      let op = await spawnOperator(ns);
      let fd: Fd;
      try {
        fd = await waitForFd(client, ns, "wal", "running", isRunningStable);
        await waitFor("some state", async () => (await jobCounter(client, ns, "wal")) >= 10);
      } finally {
        await op.kill();
      }
      const oldJob = fd.status!.jobStatus!.jobId!;

      // Upgrade with an operator that dies right after the chosen write-ahead status write.
      op = await spawnOperator(ns, { crashAt: point });
      let counterBefore = 0;
      try {
        counterBefore = await jobCounter(client, ns, "wal");
        await patchSpec(client, ns, "wal", { job: { args: [`--after-${point}`] } });
        const status = await op.exited(60_000);
        assert.equal(status.code, 137, `operator should have crashed at ${point}:\n${op.output}`);
      } finally {
        await op.kill();
      }

      // A fresh operator must finish the upgrade: one new job, restored from the one savepoint.
      op = await spawnOperator(ns);
      try {
        const done = await waitForFd(
          client,
          ns,
          "wal",
          "upgrade finished",
          (f) => f.status?.observedGeneration === fd.metadata.generation! + 1 && isRunningStable(f),
          90_000,
        );
        const js = done.status!.jobStatus!;
        assert.notEqual(js.jobId, oldJob);
        assert.match(js.upgradeSavepointPath ?? "", /savepoint-/, "the savepoint was not lost");
        const snapshots = await waitFor(
          "the upgrade savepoint recorded as a snapshot",
          async () => {
            const all = await upgradeSnapshots(client, ns, "wal");
            return all.length > 0 && all.every((s) => s.status?.state === "COMPLETED")
              ? all
              : undefined;
          },
        );
        assert.equal(snapshots.length, 1, "exactly one upgrade savepoint");
        assert.equal(snapshots[0].status?.path, js.upgradeSavepointPath);
        assert.ok((await jobCounter(client, ns, "wal")) >= counterBefore, "state continued");
        // No second job: the JobManager runs exactly one non-terminal job, ours.
        const url = await jobManagerUrl(client, ns, "wal");
        const jobs = (await (await fetch(`${url}/v1/jobs/overview`)).json()).jobs as {
          jid: string;
          state: string;
        }[];
        const live = jobs.filter((j) => !["FINISHED", "CANCELED", "FAILED"].includes(j.state));
        assert.deepEqual(live.map((j) => j.jid), [js.jobId]);
        const jms = await client.list(Resources.deployments, ns, { labelSelector: "app=wal" });
        assert.equal(jms.items.length, 1);
      } finally {
        await op.kill();
        await client.delete(FlinkDeployments, ns, "wal");
        const cleanup = await spawnOperator(ns);
        await waitFor("cleanup", async () => !(await client.get(FlinkDeployments, ns, "wal")), {
          timeoutMs: 60_000,
        }).finally(() => cleanup.kill());
      }
    },
    { sanitizeResources: false, sanitizeOps: false },
  );
}
