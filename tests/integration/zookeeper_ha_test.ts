/**
 * The operator's ZooKeeper HA decisions on the local cluster, against a real ZooKeeper server
 * (cluster/zookeeper) on this network namespace's loopback. The simulated JobManagers keep no HA
 * metadata of their own with `high-availability.type: zookeeper` (docs/simulator.md), so each test
 * writes the nodes real Flink would write (`/flink/<cluster-id>/jobs/<job id>/…`,
 * `/flink/<cluster-id>/jobgraphs/<job id>`) and checks what the operator decides and removes.
 * tests/integration/real_flink_zookeeper_test.ts runs the same on real Flink.
 */
import assert from "node:assert/strict";
import { FlinkDeployments } from "../../lib/flink/resources.ts";
import { LAST_STATE_SAVEPOINT_SENTINEL } from "../../lib/flink/spec/upgrade.ts";
import { connectZooKeeper, type ZooKeeperClient } from "../../lib/zookeeper/client.ts";
import { startZooKeeperServer } from "../../cluster/zookeeper/server.ts";
import { freeLoopbackPort } from "../../cluster/free_port.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import {
  application,
  type Fd,
  getFd,
  isRunningStable,
  jobCounter,
  patchSpec,
  waitForFd,
} from "../support/flink.ts";

/** Flink configuration for ZooKeeper HA at `quorum`. */
function zooKeeperHa(ns: string, name: string, quorum: string): Record<string, string> {
  return {
    "high-availability.type": "zookeeper",
    "high-availability.zookeeper.quorum": quorum,
    "high-availability.storageDir": `file:///flink-data/${ns}/${name}/ha`,
    "high-availability.zookeeper.client.session-timeout": "6 s",
  };
}

/** Operator settings: a failed pass is retried within a second. */
const QUICK_RETRY = { "kubernetes.operator.retry.max.interval": "1 s" };

/** What real Flink keeps for a recoverable job, and the job graph it would resubmit. */
async function writeFlinkHaNodes(zk: ZooKeeperClient, clusterId: string, jobId: string) {
  await zk.create(`/flink/${clusterId}/jobs/${jobId}/checkpoints/0000000000000000007`, "ckpt", {
    parents: true,
  });
  await zk.create(`/flink/${clusterId}/jobs/${jobId}/checkpoint_id_counter`, "8");
  await zk.create(`/flink/${clusterId}/jobgraphs/${jobId}`, "graph", { parents: true });
  await zk.create(`/flink/${clusterId}/leader/dispatcher/connection_info`, "jm", {
    parents: true,
  });
}

async function runningJob(client: Parameters<typeof getFd>[0], ns: string, name: string) {
  const fd = await waitForFd(client, ns, name, "running and stable", isRunningStable);
  return { jobId: fd.status!.jobStatus!.jobId!, generation: fd.metadata.generation! };
}

const reconciled = (generation: number) => (fd: Fd) =>
  fd.status?.observedGeneration === generation &&
  fd.status?.reconciliationStatus?.state === "DEPLOYED";

integrationTest(
  "ZooKeeper HA: a last-state upgrade keeps the job's HA metadata and id, removes its job graph",
  async ({ client, ns }) => {
    await using server = await startZooKeeperServer();
    await using zk = await connectZooKeeper({ connectString: server.connectString });
    const op = await startOperator(client, ns, QUICK_RETRY);
    try {
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "zk-ls", {
          upgradeMode: "last-state",
          flinkConfiguration: zooKeeperHa(ns, "zk-ls", server.connectString),
        }),
      );
      const before = await runningJob(client, ns, "zk-ls");
      await writeFlinkHaNodes(zk, "zk-ls", before.jobId);
      await writeFlinkHaNodes(zk, "zk-ls-other", "0123");

      await patchSpec(client, ns, "zk-ls", { job: { parallelism: 1 } });
      const fd = await waitForFd(
        client,
        ns,
        "zk-ls",
        "upgrade deployed",
        reconciled(before.generation + 1),
      );
      const js = fd.status!.jobStatus!;
      assert.equal(js.jobId, before.jobId, "a restore from HA metadata keeps the job id");
      // FKO's guard: with HA metadata present, the restore path is the sentinel that only a
      // Flink with HA checkpoints ignores (the simulator, keeping none, fails on it, as would
      // Flink without checkpoints in ZooKeeper).
      assert.equal(js.upgradeSavepointPath, LAST_STATE_SAVEPOINT_SENTINEL);

      assert.ok(
        await zk.exists(`/flink/zk-ls/jobs/${before.jobId}/checkpoints/0000000000000000007`),
        "checkpoints stay for the restore",
      );
      assert.ok(await zk.exists(`/flink/zk-ls/jobs/${before.jobId}/checkpoint_id_counter`));
      assert.equal(
        await zk.exists("/flink/zk-ls/jobgraphs"),
        undefined,
        "the old job graph is removed so the new spec is submitted",
      );
      assert.ok(await zk.exists("/flink/zk-ls-other/jobgraphs/0123"), "other clusters untouched");
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "ZooKeeper HA: stateless upgrades and deletion remove the cluster's znodes, and only its own",
  async ({ client, ns }) => {
    await using server = await startZooKeeperServer();
    await using zk = await connectZooKeeper({ connectString: server.connectString });
    const op = await startOperator(client, ns, QUICK_RETRY);
    try {
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "zk-sl", {
          upgradeMode: "stateless",
          flinkConfiguration: zooKeeperHa(ns, "zk-sl", server.connectString),
        }),
      );
      const before = await runningJob(client, ns, "zk-sl");
      await writeFlinkHaNodes(zk, "zk-sl", before.jobId);
      await writeFlinkHaNodes(zk, "zk-sl-2", "0456");

      await patchSpec(client, ns, "zk-sl", { job: { args: ["--v2"] } });
      const fd = await waitForFd(
        client,
        ns,
        "zk-sl",
        `generation ${before.generation + 1} running`,
        (fd) => reconciled(before.generation + 1)(fd) && isRunningStable(fd),
      );
      assert.notEqual(fd.status!.jobStatus!.jobId, before.jobId, "stateless: a new job");
      assert.equal(await zk.exists("/flink/zk-sl"), undefined, "the stateless upgrade cleared HA");
      assert.ok(await zk.exists("/flink/zk-sl-2/jobs/0456/checkpoints"), "a sibling stays");

      const jobId = fd.status!.jobStatus!.jobId!;
      await writeFlinkHaNodes(zk, "zk-sl", jobId);
      await client.delete(FlinkDeployments, ns, "zk-sl");
      await waitFor("zk-sl to be deleted", async () => !(await getFd(client, ns, "zk-sl")));
      assert.equal(await zk.exists("/flink/zk-sl"), undefined, "deletion cleared HA");
      assert.ok(await zk.exists("/flink/zk-sl-2/jobgraphs/0456"), "a sibling stays");
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "ZooKeeper HA unreachable: no upgrade decision until it answers, and the error names the quorum",
  async ({ client, ns }) => {
    const port = freeLoopbackPort();
    const quorum = `127.0.0.1:${port}`;
    const op = await startOperator(client, ns, QUICK_RETRY);
    try {
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "zk-down", {
          upgradeMode: "last-state",
          flinkConfiguration: zooKeeperHa(ns, "zk-down", quorum),
        }),
      );
      const before = await runningJob(client, ns, "zk-down");
      await waitFor(
        "zk-down's counter to reach 5",
        async () => (await jobCounter(client, ns, "zk-down")) >= 5,
      );

      await patchSpec(client, ns, "zk-down", { job: { parallelism: 1 } });
      const failing = await waitForFd(
        client,
        ns,
        "zk-down",
        "an error about ZooKeeper in status",
        (fd) => (fd.status?.error ?? "").includes("high-availability.zookeeper.quorum"),
      );
      assert.match(failing.status!.error!, new RegExp(`127\\.0\\.0\\.1:${port}`));
      assert.match(failing.status!.error!, /connection refused/);
      // Nothing was stopped or decided on metadata that could not be read.
      const js = failing.status!.jobStatus!;
      assert.equal(js.jobId, before.jobId);
      assert.equal(js.state, "RUNNING");
      const stillOld = JSON.parse(failing.status!.reconciliationStatus!.lastReconciledSpec!);
      assert.equal(stillOld.spec.job.parallelism, 2);

      // ZooKeeper comes up with no metadata for this cluster: the job is cancelled and
      // restored from its last checkpoint, its state continuing.
      const counterBefore = await jobCounter(client, ns, "zk-down");
      await using _server = await startZooKeeperServer({ port });
      const fd = await waitForFd(
        client,
        ns,
        "zk-down",
        `generation ${before.generation + 1} running`,
        (fd) => reconciled(before.generation + 1)(fd) && isRunningStable(fd),
      );
      const after = fd.status!.jobStatus!;
      assert.match(after.upgradeSavepointPath ?? "", /chk-\d+/, "restored from a checkpoint");
      const counter = await jobCounter(client, ns, "zk-down");
      assert.ok(counter >= counterBefore - 15, `state lost: ${counter} vs ${counterBefore}`);
    } finally {
      await op.stop();
    }
  },
);
