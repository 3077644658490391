/**
 * Flink's REST caches as the simulator keeps them (measured on real Flink 1.20.5: a job cancelled
 * after `/jobs/:id` was fetched shows RUNNING there for the rest of the 3 s; a checkpoint that
 * completed after `/checkpoints` was fetched is missing there, and its details answer 404).
 */
import assert from "node:assert/strict";
import { JobViewCache } from "../../cluster/flink-sim/rest_cache.ts";
import { appConf, SimWorld } from "./sim_harness.ts";

Deno.test("sim view cache: one entry per job, recomputed once it expired", () => {
  const cache = new JobViewCache<number>(3000);
  let computed = 0;
  const view = (now: number) => cache.get("job", () => ++computed, now);
  assert.equal(view(1000), 1);
  assert.equal(view(3999), 1);
  assert.equal(view(4000), 2);
  assert.equal(cache.get("other", () => 10, 4000), 10);
  const off = new JobViewCache<number>(0);
  assert.equal(off.get("job", () => 1, 0), 1);
  assert.equal(off.get("job", () => 2, 0), 2);
});

Deno.test("sim: job details and checkpoint statistics come from Flink's caches", async () => {
  const world = await SimWorld.create();
  try {
    // A cache far longer than the test, so nothing expires while it runs.
    const jm = await world.start({
      conf: appConf({ "web.refresh-interval": "1 h" }),
      args: ["jobmanager"],
    });
    await jm.waitReady();
    assert.equal(
      (await jm.get<{ "refresh-interval": number }>("/config"))["refresh-interval"],
      3600000,
    );
    const form = new FormData();
    form.append("jarfile", new File([new Uint8Array([0x50, 0x4b, 0x05, 0x06])], "job.jar"));
    const upload = await (await fetch(`${jm.url}/jars/upload`, { method: "POST", body: form }))
      .json();
    const jobId = "00000000000000000000000000000abc";
    await jm.request("POST", `/jars/${String(upload.filename).split("/").pop()}/run`, { jobId });
    await jm.waitForState(jobId, "RUNNING");

    const stats = () => jm.get<{ counts: { completed: number } }>(`/jobs/${jobId}/checkpoints`);
    assert.equal((await stats()).counts.completed, 0);
    const trigger = await jm.request("POST", `/jobs/${jobId}/checkpoints`, {});
    const op = await jm.awaitOperation(`/jobs/${jobId}/checkpoints/${trigger.json["request-id"]}`);
    assert.equal((await stats()).counts.completed, 0, "the statistics as first fetched");
    const details = await jm.request(
      "GET",
      `/jobs/${jobId}/checkpoints/details/${op.checkpointId}`,
    );
    assert.equal(details.status, 404);
    assert.match(details.json.errors![0], /Could not find checkpointing statistics for checkpoint/);

    assert.equal((await jm.get<{ state: string }>(`/jobs/${jobId}`)).state, "RUNNING");
    await jm.request("PATCH", `/jobs/${jobId}?mode=cancel`);
    await jm.waitForState(jobId, "CANCELED");
    assert.equal((await jm.get<{ state: string }>(`/jobs/${jobId}`)).state, "RUNNING");
    const overview = await jm.get<{ jobs: { state: string }[] }>("/jobs/overview");
    assert.equal(overview.jobs[0].state, "CANCELED", "the overview is not cached");
  } finally {
    await world.dispose();
  }
});
