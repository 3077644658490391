import assert from "node:assert/strict";
import { SimWorld, startHaCheckpointingJob } from "./sim_harness.ts";

const JOB = "c0ffeec0ffeec0ffeec0ffeec0ffee01";

/**
 * A JobManager shut down while a checkpoint is being stored in HA: once the HA checkpoint store
 * holds it, the checkpoint is completed and a restarted JobManager restores it from there, so its
 * files must stay (the CI chaos smoke, seed 339: a last-state suspend landed in that moment, the
 * files were disposed of, and the resumed job failed with "Cannot find checkpoint").
 */
Deno.test("sim HA: a checkpoint stored in HA as its JobManager shuts down keeps its files", async () => {
  const world = await SimWorld.create();
  try {
    const { jm, store, jobMap, inHa } = await startHaCheckpointingJob(world, JOB);

    // The next store into HA is held until the JobManager has been told to shut down.
    const update = store.update.bind(store);
    let entered!: () => void;
    const storing = new Promise<void>((resolve) => entered = resolve);
    let release!: () => void;
    const released = new Promise<void>((resolve) => release = resolve);
    store.update = async (name, change) => {
      if (name !== jobMap) return await update(name, change);
      entered();
      await released;
      return await update(name, change);
    };
    await storing;
    jm.container.terminate();
    release();
    await jm.container.exited;
    store.update = update;

    const pointers = inHa();
    assert.ok(pointers.length > 0);
    for (const pointer of pointers) {
      const files = await Deno.stat(world.host(pointer)).then(() => true, () => false);
      assert.ok(files, `HA points to ${pointer}, whose files must exist`);
    }
  } finally {
    await world.dispose();
  }
});
