/**
 * Flink's ZooKeeper HA layout as the operator reads it from a resource's configuration, and the
 * HA store on a real ZooKeeper server (cluster/zookeeper).
 */
import assert from "node:assert/strict";
import type { KubeClient } from "../../lib/kube/client.ts";
import { haStore } from "../../lib/flink/ha_store.ts";
import {
  isZooKeeperHa,
  ZooKeeperHaConfigError,
  zooKeeperHaLocation,
  ZooKeeperHaUnavailableError,
} from "../../lib/flink/zookeeper_ha.ts";
import { connectZooKeeper } from "../../lib/zookeeper/client.ts";
import { startZooKeeperServer } from "../../cluster/zookeeper/server.ts";
import { freeLoopbackPort } from "../../cluster/free_port.ts";

const QUORUM = { "high-availability.zookeeper.quorum": "zk-0:2181,zk-1:2181" };

Deno.test("zookeeper ha: the type is read as Flink reads it", () => {
  assert.ok(isZooKeeperHa({ "high-availability.type": "zookeeper" }));
  assert.ok(isZooKeeperHa({ "high-availability.type": " ZOOKEEPER " }));
  assert.ok(isZooKeeperHa({ "high-availability": "ZooKeeper" }));
  assert.ok(isZooKeeperHa({ "recovery.mode": "zookeeper" }));
  assert.ok(!isZooKeeperHa({ "high-availability.type": "kubernetes" }));
  assert.ok(!isZooKeeperHa({ "high-availability.type": "NONE" }));
  assert.ok(!isZooKeeperHa({}));
});

Deno.test("zookeeper ha: Flink's default layout below <root>/<cluster-id>", () => {
  const location = zooKeeperHaLocation(QUORUM, "my-app");
  assert.deepEqual(location, {
    quorum: "zk-0:2181,zk-1:2181",
    clusterPath: "/flink/my-app",
    jobsPath: "/flink/my-app/jobs",
    jobGraphPaths: ["/flink/my-app/jobgraphs", "/flink/my-app/execution-plans"],
    sessionTimeoutMs: 60_000,
    connectTimeoutMs: 15_000,
  });
});

Deno.test("zookeeper ha: root, job graph paths and timeouts from the configuration", () => {
  const location = zooKeeperHaLocation({
    ...QUORUM,
    "high-availability.zookeeper.path.root": "/team/flink/",
    "high-availability.zookeeper.path.jobgraphs": "graphs",
    "high-availability.zookeeper.client.session-timeout": "6 s",
    "high-availability.zookeeper.client.connection-timeout": "2500",
  }, "app");
  assert.equal(location.clusterPath, "/team/flink/app");
  // Flink 2.x reads the 1.x key as a deprecated name of its execution-plans path.
  assert.deepEqual(location.jobGraphPaths, ["/team/flink/app/graphs"]);
  assert.equal(location.sessionTimeoutMs, 6000);
  assert.equal(location.connectTimeoutMs, 2500);

  const v2 = zooKeeperHaLocation({
    ...QUORUM,
    "high-availability.zookeeper.path.execution-plans": "/plans",
  }, "app");
  assert.deepEqual(v2.jobGraphPaths, ["/flink/app/jobgraphs", "/flink/app/plans"]);

  const legacy = zooKeeperHaLocation({
    "recovery.zookeeper.quorum": "old:2181",
    "recovery.zookeeper.path.root": "/old",
  }, "app");
  assert.equal(legacy.quorum, "old:2181");
  assert.equal(legacy.clusterPath, "/old/app");
});

Deno.test("zookeeper ha: configuration problems name the key and the fix", () => {
  assert.throws(
    () => zooKeeperHaLocation({}, "app"),
    (err: Error) =>
      err instanceof ZooKeeperHaConfigError &&
      err.message.includes("high-availability.zookeeper.quorum is not set") &&
      err.message.includes("host:port"),
  );
  for (const path of ["/", "jobs", "/jobs/x"]) {
    assert.throws(
      () =>
        zooKeeperHaLocation({ ...QUORUM, "high-availability.zookeeper.path.jobgraphs": path }, "a"),
      (err: Error) =>
        err instanceof ZooKeeperHaConfigError &&
        err.message.startsWith("high-availability.zookeeper.path.jobgraphs:") &&
        err.message.includes("checkpoints"),
      path,
    );
  }
  assert.throws(
    () =>
      zooKeeperHaLocation({
        ...QUORUM,
        "high-availability.zookeeper.client.session-timeout": "soon",
      }, "a"),
    /^ZooKeeperHaConfigError: high-availability\.zookeeper\.client\.session-timeout: "soon"/,
  );
});

Deno.test("zookeeper ha store on a real ZooKeeper server", async (t) => {
  await using server = await startZooKeeperServer();
  await using zk = await connectZooKeeper({ connectString: server.connectString });
  const storeFor = (clusterId: string, extra: Record<string, string> = {}) =>
    haStore({
      client: {} as KubeClient, // ZooKeeper HA never touches the Kubernetes API
      namespace: "ns",
      clusterId,
      flinkConfig: {
        "high-availability.type": "zookeeper",
        "high-availability.zookeeper.quorum": server.connectString,
        ...extra,
      },
      requestTimeoutMs: 5000,
    });

  await t.step("metadata is available only while jobs has children", async () => {
    const store = storeFor("a");
    assert.deepEqual(await store.read(), { available: false, hasCheckpoint: false });
    await zk.create("/flink/a/jobs", "", { parents: true });
    assert.deepEqual(await store.read(), { available: false, hasCheckpoint: false });
    await zk.create("/flink/a/jobs/j1");
    // FKO has no checkpoint test for ZooKeeper: present metadata counts as one.
    assert.deepEqual(await store.read(), { available: true, hasCheckpoint: true });
    assert.deepEqual(await storeFor("a-2").read(), { available: false, hasCheckpoint: false });
  });

  await t.step("job graphs of Flink 1.x and 2.x go, checkpoints stay", async () => {
    await zk.create("/flink/a/jobs/j1/checkpoints/1", "", { parents: true });
    await zk.create("/flink/a/jobgraphs/j1", "", { parents: true });
    await zk.create("/flink/a/execution-plans/j1", "", { parents: true });
    await storeFor("a").removeJobGraphs();
    assert.equal(await zk.exists("/flink/a/jobgraphs"), undefined);
    assert.equal(await zk.exists("/flink/a/execution-plans"), undefined);
    assert.ok(await zk.exists("/flink/a/jobs/j1/checkpoints/1"));
    await storeFor("a").removeJobGraphs(); // nothing left: still fine
  });

  await t.step("deleteAll removes the cluster's subtree and nothing else", async () => {
    await zk.create("/flink/a-2/jobs/j2", "", { parents: true });
    await zk.create("/flink/a/leader/dispatcher", "", { parents: true });
    // a, jobs, j1, checkpoints, 1, leader, dispatcher
    assert.equal(await storeFor("a").deleteAll(), 7);
    assert.equal(await zk.exists("/flink/a"), undefined);
    assert.ok(await zk.exists("/flink/a-2/jobs/j2"));
    assert.equal(await storeFor("a").deleteAll(), 0);
  });

  await t.step("a chroot in the quorum and a custom root are honoured", async () => {
    await zk.create("/chroot", "");
    const store = haStore({
      client: {} as KubeClient,
      namespace: "ns",
      clusterId: "c",
      flinkConfig: {
        "high-availability.type": "zookeeper",
        "high-availability.zookeeper.quorum": `${server.connectString}/chroot`,
        "high-availability.zookeeper.path.root": "/ha",
      },
      requestTimeoutMs: 5000,
    });
    await zk.create("/chroot/ha/c/jobs/j", "", { parents: true });
    assert.equal((await store.read()).available, true);
    assert.equal(await store.deleteAll(), 3);
    assert.ok(await zk.exists("/chroot/ha"));
  });

  await t.step("an unreachable quorum is an error, never 'no metadata'", async () => {
    const dead = `127.0.0.1:${freeLoopbackPort()}`;
    const store = storeFor("a", { "high-availability.zookeeper.quorum": dead });
    for (
      const call of [() => store.read(), () => store.deleteAll(), () => store.removeJobGraphs()]
    ) {
      await assert.rejects(
        call,
        (err: Error) =>
          err instanceof ZooKeeperHaUnavailableError &&
          err.message.includes(`high-availability.zookeeper.quorum: "${dead}"`) &&
          err.message.includes("connection refused"),
      );
    }
  });
});
