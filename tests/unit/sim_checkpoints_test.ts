import assert from "node:assert/strict";
import { savepointDisposals } from "../../cluster/flink-sim/mod.ts";
import { appConf, exists, SimWorld, waitFor } from "./sim_harness.ts";

type Stats = {
  counts: Record<string, number>;
  latest: Record<string, Record<string, unknown> | null>;
  history: Record<string, unknown>[];
};

Deno.test("sim: periodic checkpoints are written and retained", async () => {
  const world = await SimWorld.create();
  try {
    const jm = await world.start({
      conf: appConf({
        "execution.checkpointing.interval": "50 ms",
        "state.checkpoints.num-retained": 2,
        "execution.checkpointing.externalized-checkpoint-retention": "RETAIN_ON_CANCELLATION",
      }),
    });
    const jobId = await jm.onlyJobId();
    await jm.waitForState(jobId, "RUNNING");
    let stats: Stats | undefined;
    await waitFor(
      async () => {
        stats = await jm.get<Stats>(`/jobs/${jobId}/checkpoints`);
        return stats.counts.completed >= 4;
      },
      5000,
      "four checkpoints",
    );
    const latest = stats!.latest.completed!;
    assert.match(
      latest.external_path as string,
      new RegExp(`^file:/flink/checkpoints/${jobId}/chk-\\d+$`),
    );
    const metadata = JSON.parse(
      await Deno.readTextFile(world.host(latest.external_path as string) + "/_metadata"),
    );
    assert.equal(metadata.checkpointId, latest.id);
    assert.equal(metadata.jobId, jobId);
    // Only the newest two chk-* directories survive subsumption.
    const dirs = [...Deno.readDirSync(world.host(`/flink/checkpoints/${jobId}`))].map((d) =>
      d.name
    );
    assert.ok(dirs.length <= 3, `at most retained + one in flight, got ${dirs}`);

    const metrics = await jm.get<{ id: string; value: string }[]>(
      `/jobs/${jobId}/metrics?get=numRestarts,fullRestarts,numberOfCompletedCheckpoints`,
    );
    assert.deepEqual(metrics.map((m) => m.id), [
      "numRestarts",
      "fullRestarts",
      "numberOfCompletedCheckpoints",
    ]);
    assert.ok(Number(metrics[2].value) >= 4);

    // RETAIN_ON_CANCELLATION keeps the last checkpoint after cancel.
    await jm.request("PATCH", `/jobs/${jobId}?mode=cancel`);
    await jm.waitForState(jobId, "CANCELED");
    const after = await jm.get<Stats>(`/jobs/${jobId}/checkpoints`);
    const kept = after.latest.completed!.external_path as string;
    assert.ok(await exists(world.host(kept)), "retained on cancellation");
  } finally {
    await world.dispose();
  }
});

Deno.test("sim: triggered checkpoint, its status and details", async () => {
  const world = await SimWorld.create();
  try {
    const jm = await world.start({ conf: appConf() });
    const jobId = await jm.onlyJobId();
    await jm.waitForState(jobId, "RUNNING");
    const incremental = await jm.request("POST", `/jobs/${jobId}/checkpoints`, {
      checkpointType: "INCREMENTAL",
    });
    assert.equal(incremental.status, 400);
    const trigger = await jm.request("POST", `/jobs/${jobId}/checkpoints`, {
      checkpointType: "FULL",
    });
    assert.equal(trigger.status, 202);
    const op = await jm.awaitOperation(`/jobs/${jobId}/checkpoints/${trigger.json["request-id"]}`);
    const checkpointId = op.checkpointId as number;
    assert.equal(typeof checkpointId, "number");
    const details = await jm.get<Record<string, unknown>>(
      `/jobs/${jobId}/checkpoints/details/${checkpointId}`,
    );
    assert.equal(details.className, "completed");
    assert.equal(details.status, "COMPLETED");
    assert.match(details.external_path as string, new RegExp(`chk-${checkpointId}$`));
    assert.equal((await jm.request("GET", `/jobs/${jobId}/checkpoints/details/999`)).status, 404);
    // A client-chosen trigger id makes retries idempotent.
    const triggerId = "0123456789abcdef0123456789abcdef";
    const a = await jm.request("POST", `/jobs/${jobId}/checkpoints`, { triggerId });
    const b = await jm.request("POST", `/jobs/${jobId}/checkpoints`, { triggerId });
    assert.equal(a.json["request-id"], triggerId);
    assert.equal(b.json["request-id"], triggerId);
    await jm.awaitOperation(`/jobs/${jobId}/checkpoints/${triggerId}`);
    const stats = await jm.get<Stats>(`/jobs/${jobId}/checkpoints`);
    assert.equal(stats.counts.completed, 2);
  } finally {
    await world.dispose();
  }
});

Deno.test("sim: savepoint without target and without default dir is rejected like Flink", async () => {
  const world = await SimWorld.create();
  try {
    const jm = await world.start({
      conf: { "kubernetes.cluster-id": "nodir" },
      image: "flink:1.18",
    });
    const jobId = await jm.onlyJobId();
    const res = await jm.request("POST", `/jobs/${jobId}/savepoints`, { "cancel-job": false });
    assert.equal(res.status, 400);
    assert.match(res.json.errors![0], /Config key \[state\.savepoints\.dir\] is not set/);
    const stop = await jm.request("POST", `/jobs/${jobId}/stop`, {});
    assert.match(stop.json.errors![0], /Property \[targetDirectory\] must be provided/);
    const unknownField = await jm.request("POST", `/jobs/${jobId}/savepoints`, { bogus: 1 });
    assert.equal(unknownField.status, 400);
    assert.match(unknownField.json.errors![0], /SavepointTriggerRequestBody/);
  } finally {
    await world.dispose();
  }
});

Deno.test("sim: savepoint disposal deletes the directory and is recorded", async () => {
  const world = await SimWorld.create();
  try {
    const jm = await world.start({ conf: appConf() });
    const jobId = await jm.onlyJobId();
    await jm.waitForState(jobId, "RUNNING");
    const trigger = await jm.request("POST", `/jobs/${jobId}/savepoints`, {});
    const op = await jm.awaitOperation(`/jobs/${jobId}/savepoints/${trigger.json["request-id"]}`);
    const location = op.location as string;
    assert.ok(await exists(world.host(location)));

    const dispose = await jm.request("POST", "/savepoint-disposal", { "savepoint-path": location });
    assert.equal(dispose.status, 200);
    const result = await jm.awaitOperation(`/savepoint-disposal/${dispose.json["request-id"]}`);
    assert.deepEqual(result, {});
    assert.equal(await exists(world.host(location)), false);
    const record = savepointDisposals.find((d) => d.path === location);
    assert.equal(record?.outcome, "deleted");
    assert.ok(jm.logs.some((l) => l.startsWith("Disposing savepoint ")));

    const again = await jm.request("POST", "/savepoint-disposal", { "savepoint-path": location });
    const failed = await jm.awaitOperation(`/savepoint-disposal/${again.json["request-id"]}`);
    assert.ok(failed["failure-cause"], "disposing a missing savepoint fails");
  } finally {
    await world.dispose();
  }
});
