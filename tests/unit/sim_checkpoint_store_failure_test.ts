import assert from "node:assert/strict";
import { SimWorld, startHaCheckpointingJob, waitFor } from "./sim_harness.ts";

const JOB = "c0ffeec0ffeec0ffeec0ffeec0ffee00";

/**
 * Flink writes a checkpoint's metadata, then adds it to the HA checkpoint store; when that add
 * fails (the API server away), the checkpoint is discarded with its files
 * (CompletedCheckpoint.discardOnFailedStoring). A file left behind would look like a completed
 * checkpoint no job ever restores from — the chaos run's state invariant reads these files.
 */
Deno.test("sim HA: a checkpoint that cannot be stored in HA is discarded with its files", async () => {
  const world = await SimWorld.create();
  try {
    const { jm, store, jobMap, inHa } = await startHaCheckpointingJob(world, JOB, {
      "execution.checkpointing.tolerable-failed-checkpoints": "1000",
    });

    const update = store.update.bind(store);
    store.update = (name, change) =>
      name === jobMap ? Promise.reject(new Error("HA store unreachable")) : update(name, change);
    const failed = async () => {
      const metrics = await jm.get<{ id: string; value: string }[]>(
        `/jobs/${JOB}/metrics?get=numberOfFailedCheckpoints`,
      );
      return Number(metrics[0]?.value ?? 0);
    };
    await waitFor(async () => (await failed()) >= 3, 5000, "checkpoints failing to be stored");
    // Stop checkpointing so the directory holds exactly what the failed attempts left.
    jm.container.kill();
    await jm.container.exited;
    store.update = update;

    const stored = new Set(inHa());
    const dir = world.host(`file:///flink/checkpoints/${JOB}`);
    const left: string[] = [];
    for await (const entry of Deno.readDir(dir)) {
      if (entry.name.startsWith("chk-")) left.push(`file:/flink/checkpoints/${JOB}/${entry.name}`);
    }
    assert.ok(left.length > 0, "the stored checkpoint is still on disk");
    assert.deepEqual(left.filter((p) => !stored.has(p)), [], "files of unstored checkpoints");
  } finally {
    await world.dispose();
  }
});
