import assert from "node:assert/strict";
import {
  checkpointKey,
  clusterConfigMapName,
  haConfigMapObject,
  jobConfigMapName,
} from "../../cluster/flink-sim/mod.ts";
import { appConf, exists, SimWorld, sleep, waitFor } from "./sim_harness.ts";

const JOB = "feedfacefeedfacefeedfacefeedface";

function haConf(extra: Record<string, unknown> = {}) {
  return appConf({
    "high-availability.type": "kubernetes",
    "high-availability.storageDir": "file:///flink/ha",
    "$internal.pipeline.job-id": JOB,
    "execution.checkpointing.interval": "40 ms",
    "execution.checkpointing.externalized-checkpoint-retention": "RETAIN_ON_CANCELLATION",
    ...extra,
  });
}

Deno.test("sim HA: ConfigMaps in Flink's layout; a new JobManager recovers the job", async () => {
  const world = await SimWorld.create();
  try {
    const store = world.haStore("demo");
    const jm1 = await world.start({ conf: haConf() });
    const jobId = await jm1.onlyJobId();
    await jm1.waitForState(jobId, "RUNNING");
    const jobMap = jobConfigMapName("demo", JOB);
    await waitFor(
      () =>
        Object.keys(store.maps.get(jobMap)?.data ?? {}).some((k) => k.startsWith("checkpointID-")),
      5000,
      "a checkpoint in HA",
    );
    const cluster = store.maps.get(clusterConfigMapName("demo"))!;
    assert.ok(cluster.data[`jobGraph-${JOB}`], "job graph key (Flink 1.x)");
    assert.ok(cluster.data["org.apache.flink.k8s.leader.restserver"].endsWith(jm1.url));
    assert.ok(cluster.annotations["control-plane.alpha.kubernetes.io/leader"]);
    const data = store.maps.get(jobMap)!.data;
    const keys = Object.keys(data).filter((k) => k.startsWith("checkpointID-"));
    assert.equal(keys.length, 1, "num-retained defaults to 1");
    assert.match(keys[0], /^checkpointID-\d{19}$/);
    assert.match(data[keys[0]], new RegExp(`^file:/flink/checkpoints/${JOB}/chk-\\d+$`));
    assert.ok(Number(data.counter) > Number(keys[0].slice("checkpointID-".length)));

    // Crash: HA data and files stay.
    jm1.container.kill();
    await jm1.container.exited;
    const latestPointer = store.maps.get(jobMap)!.data[
      Object.keys(store.maps.get(jobMap)!.data).filter((k) => k.startsWith("checkpointID-")).sort()
        .at(-1)!
    ];
    const saved = JSON.parse(await Deno.readTextFile(world.host(latestPointer) + "/_metadata"));

    // The new JobManager wins over the savepoint path (even the operator's sentinel).
    const jm2 = await world.start({
      conf: haConf({ "execution.savepoint.path": "KUBERNETES_OPERATOR_LAST_STATE" }),
    });
    assert.equal(await jm2.onlyJobId(), JOB);
    await jm2.waitForState(JOB, "RUNNING");
    assert.ok((await jm2.counter(JOB)) >= saved.counter);
    const stats = await jm2.get<{ latest: { restored: Record<string, unknown> } }>(
      `/jobs/${JOB}/checkpoints`,
    );
    assert.equal(stats.latest.restored.external_path, latestPointer);
    assert.equal(stats.latest.restored.is_savepoint, false);
  } finally {
    await world.dispose();
  }
});

Deno.test("sim HA: last-state upgrade restores from checkpoints after the job graph is removed", async () => {
  const world = await SimWorld.create();
  try {
    const store = world.haStore("demo");
    const jm1 = await world.start({ conf: haConf(), image: "flink:2.0" });
    await jm1.waitForState(JOB, "RUNNING");
    const jobMap = jobConfigMapName("demo", JOB);
    await waitFor(
      () =>
        Object.keys(store.maps.get(jobMap)?.data ?? {}).some((k) => k.startsWith("checkpointID-")),
      5000,
      "a checkpoint in HA",
    );
    assert.ok(
      store.maps.get(clusterConfigMapName("demo"))!.data[`executionPlan-${JOB}`],
      "2.x key",
    );
    jm1.container.kill();
    await jm1.container.exited;
    // What the operator does before a last-state redeploy.
    const clusterMap = store.maps.get(clusterConfigMapName("demo"))!;
    delete clusterMap.data[`executionPlan-${JOB}`];

    const jm2 = await world.start({
      conf: haConf({
        "execution.savepoint.path": "KUBERNETES_OPERATOR_LAST_STATE",
        "pipeline.name": "v2",
      }),
      image: "flink:2.0",
    });
    await jm2.waitForState(JOB, "RUNNING");
    const overview = await jm2.get<{ jobs: { name: string }[] }>("/jobs/overview");
    assert.equal(overview.jobs[0].name, "v2", "a fresh job graph is used");
    const stats = await jm2.get<{ latest: { restored: Record<string, unknown> | null } }>(
      `/jobs/${JOB}/checkpoints`,
    );
    assert.ok(stats.latest.restored, "restored from the HA checkpoint");
  } finally {
    await world.dispose();
  }
});

Deno.test("sim HA: cancel removes the job's HA data but keeps retained checkpoints", async () => {
  const world = await SimWorld.create();
  try {
    const store = world.haStore("demo");
    const jm = await world.start({
      conf: haConf({ "job-result-store.delete-on-commit": false }),
    });
    await jm.waitForState(JOB, "RUNNING");
    const jobMap = jobConfigMapName("demo", JOB);
    await waitFor(
      () =>
        Object.keys(store.maps.get(jobMap)?.data ?? {}).some((k) => k.startsWith("checkpointID-")),
      5000,
      "a checkpoint in HA",
    );
    await jm.request("PATCH", `/jobs/${JOB}?mode=cancel`);
    await jm.waitForState(JOB, "CANCELED");
    await waitFor(() => !store.maps.has(jobMap), 2000, "job ConfigMap deleted");
    assert.equal(store.maps.get(clusterConfigMapName("demo"))!.data[`jobGraph-${JOB}`], undefined);
    const stats = await jm.get<{ latest: { completed: Record<string, unknown> } }>(
      `/jobs/${JOB}/checkpoints`,
    );
    assert.ok(await exists(world.host(stats.latest.completed.external_path as string)));
    // The job result store remembers the job: a restarted JobManager does not run it again.
    assert.ok(await exists(world.host(`/flink/ha/job-result-store/demo/${JOB}.json`)));
    jm.container.kill();
    await jm.container.exited;
    const jm2 = await world.start({ conf: haConf() });
    await jm2.waitReady();
    assert.equal(await jm2.jobState(JOB), "CANCELED");
  } finally {
    await world.dispose();
  }
});

Deno.test("sim HA: the sentinel fails without an HA checkpoint; storageDir is mandatory", async () => {
  const world = await SimWorld.create();
  try {
    const jm = await world.start({
      conf: haConf({ "execution.savepoint.path": "KUBERNETES_OPERATOR_LAST_STATE" }),
    });
    await jm.waitForState(JOB, "FAILED");
    const noStorage = await world.start({
      conf: { ...haConf(), "high-availability.storageDir": "" },
    });
    const exit = await noStorage.container.exited;
    assert.equal(exit.exitCode, 1);
    assert.match(exit.message!, /high-availability\.storageDir/);
    await sleep(10);
  } finally {
    await world.dispose();
  }
});

Deno.test("sim HA: ConfigMap objects carry Flink's labels and no owner", () => {
  const cm = haConfigMapObject("ns", "demo", "demo-cluster-config-map", {
    data: { a: "b" },
    annotations: {},
  });
  assert.deepEqual(cm.metadata.labels, {
    "type": "flink-native-kubernetes",
    "app": "demo",
    "configmap-type": "high-availability",
  });
  assert.equal(cm.metadata.ownerReferences, undefined);
  assert.equal(checkpointKey(42), "checkpointID-0000000000000000042");
});
