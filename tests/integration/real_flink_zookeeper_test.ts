/**
 * ZooKeeper HA on real Flink: a standalone flink:1.20 application (real JobManager and TaskManager
 * JVMs, cluster/flink-real) with `high-availability.type: zookeeper` against a real ZooKeeper
 * server on this namespace's loopback. Flink itself writes and reads the HA metadata; the
 * operator decides from it. One real cluster at a time, as everywhere on two cores.
 */
import assert from "node:assert/strict";
import type { KubeClient } from "../../lib/kube/client.ts";
import { Resources } from "../../lib/kube/resource.ts";
import { FlinkDeployments } from "../../lib/flink/resources.ts";
import { LAST_STATE_SAVEPOINT_SENTINEL } from "../../lib/flink/spec/upgrade.ts";
import { connectZooKeeper, type ZooKeeperClient } from "../../lib/zookeeper/client.ts";
import { isNoNode } from "../../lib/zookeeper/errors.ts";
import { ensureRealFlink } from "../../cluster/flink-real/dist.ts";
import { startZooKeeperServer } from "../../cluster/zookeeper/server.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import {
  type Fd,
  isRunningStable,
  jobCounter,
  jobManagerUrl,
  waitForFd,
} from "../support/flink.ts";
import { realApplication } from "../support/real_flink.ts";

async function children(zk: ZooKeeperClient, path: string): Promise<string[]> {
  try {
    return await zk.getChildren(path);
  } catch (err) {
    if (isNoNode(err)) return [];
    throw err;
  }
}

/** What `GET /jobs/:id/checkpoints` says the running job restored from. */
async function restoredFrom(url: string, jobId: string) {
  const res = await fetch(`${url}/jobs/${jobId}/checkpoints`);
  if (!res.ok) throw new Error(`GET checkpoints: ${res.status} ${await res.text()}`);
  const body = await res.json() as {
    latest?: { restored?: { is_savepoint?: boolean; external_path?: string } | null };
  };
  return body.latest?.restored ?? undefined;
}

async function podCount(client: KubeClient, ns: string, name: string): Promise<number> {
  return (await client.list(Resources.pods, ns, { labelSelector: `app=${name}` })).items.length;
}

integrationTest(
  "real Flink 1.20 with ZooKeeper HA: a last-state upgrade keeps the job id and the counter",
  async ({ client, ns }) => {
    await ensureRealFlink();
    await using server = await startZooKeeperServer();
    await using zk = await connectZooKeeper({ connectString: server.connectString });
    const name = "zk-real";
    const op = await startOperator(client, ns);
    try {
      await client.create(
        FlinkDeployments,
        ns,
        realApplication(ns, name, {
          upgradeMode: "last-state",
          flinkConfiguration: {
            "high-availability.type": "zookeeper",
            "high-availability.zookeeper.quorum": server.connectString,
            "high-availability.storageDir": `file:///flink-data/${ns}/${name}/ha`,
            // A JobManager that dies without closing its session is noticed in 6 s, not 60.
            "high-availability.zookeeper.client.session-timeout": "6 s",
          },
        }),
      );
      const before = await waitForFd(client, ns, name, "running", isRunningStable, 180_000);
      const jobId = before.status!.jobStatus!.jobId!;
      const jobsPath = `/flink/${name}/jobs/${jobId}/checkpoints`;
      // Flink's own HA metadata: the job graph, and checkpoints as they complete.
      await waitFor(
        "a checkpoint recorded in ZooKeeper",
        async () => (await children(zk, jobsPath)).length > 0,
        { timeoutMs: 120_000, intervalMs: 500 },
      );
      assert.deepEqual(await children(zk, `/flink/${name}/jobgraphs`), [jobId]);
      await waitFor(
        "the counter to pass 60",
        async () => (await jobCounter(client, ns, name).catch(() => 0)) > 60,
        { timeoutMs: 60_000, intervalMs: 1000 },
      );
      const counterBefore = await jobCounter(client, ns, name);

      await client.patch(FlinkDeployments, ns, name, { spec: { job: { args: ["--rate", "40"] } } });
      const generation = before.metadata.generation! + 1;
      const after = await waitForFd(
        client,
        ns,
        name,
        `generation ${generation} running`,
        (fd: Fd) => fd.status?.observedGeneration === generation && isRunningStable(fd),
        180_000,
      );
      const js = after.status!.jobStatus!;
      assert.equal(js.jobId, jobId, "last-state through HA keeps the job id");
      assert.equal(js.upgradeSavepointPath, LAST_STATE_SAVEPOINT_SENTINEL);

      // Flink restored from the checkpoint in ZooKeeper (and never read the sentinel path).
      const url = await jobManagerUrl(client, ns, name);
      const restored = await waitFor(
        "the new JobManager to report its restore",
        () => restoredFrom(url, jobId).catch(() => undefined),
        { timeoutMs: 60_000, intervalMs: 1000 },
      );
      assert.equal(restored.is_savepoint, false, JSON.stringify(restored));
      assert.match(restored.external_path ?? "", /\/chk-\d+$/);
      const counter = await waitFor(
        "the counter to be reported again",
        () => jobCounter(client, ns, name).catch(() => undefined),
        { timeoutMs: 60_000, intervalMs: 1000 },
      );
      // At most one 2 s checkpoint interval (~25 counts of key 0) is replayed.
      assert.ok(counter >= counterBefore - 40, `state lost: ${counter} after ${counterBefore}`);
      assert.ok(await zk.exists(`/flink/${name}/jobs/${jobId}`), "HA metadata kept");

      // Deletion removes the cluster and its HA metadata.
      await client.delete(FlinkDeployments, ns, name);
      await waitFor(
        `${name} and its pods to be gone`,
        async () =>
          !(await client.get(FlinkDeployments, ns, name)) && await podCount(client, ns, name) === 0,
        { timeoutMs: 90_000 },
      );
      assert.equal(await zk.exists(`/flink/${name}`), undefined, "deletion removed HA metadata");
    } finally {
      await client.delete(FlinkDeployments, ns, name).catch(() => {});
      await waitFor(
        "the real cluster to be gone",
        async () => await podCount(client, ns, name) === 0,
        { timeoutMs: 60_000 },
      ).catch(() => {});
      await op.stop();
    }
  },
);
