import assert from "node:assert/strict";
import { FaultAnnotations } from "../../cluster/flink-sim/mod.ts";
import { appConf, SimWorld, sleep, TEST_TIMINGS, waitFor } from "./sim_harness.ts";

Deno.test("sim fault: job-fail fails a running job with the given message", async () => {
  const world = await SimWorld.create();
  try {
    const jm = await world.start({ conf: appConf() });
    const jobId = await jm.onlyJobId();
    await jm.waitForState(jobId, "RUNNING");
    jm.annotations[FaultAnnotations.jobFail] = "poison record";
    await jm.waitForState(jobId, "FAILED");
    const result = await jm.get<Record<string, Record<string, Record<string, string>>>>(
      `/jobs/${jobId}/execution-result`,
    );
    assert.match(result["job-execution-result"]["failure-cause"]["stack-trace"], /poison record/);
  } finally {
    await world.dispose();
  }
});

Deno.test("sim fault: savepoint-fail fails savepoints and stops; the job keeps running", async () => {
  const world = await SimWorld.create();
  try {
    const jm = await world.start({
      conf: appConf(),
      annotations: { [FaultAnnotations.savepointFail]: "true" },
    });
    const jobId = await jm.onlyJobId();
    await jm.waitForState(jobId, "RUNNING");
    const stop = await jm.request("POST", `/jobs/${jobId}/stop`, {});
    const op = await jm.awaitOperation(`/jobs/${jobId}/savepoints/${stop.json["request-id"]}`);
    const cause = op["failure-cause"] as Record<string, string>;
    assert.equal(cause.class, "org.apache.flink.runtime.checkpoint.CheckpointException");
    assert.equal(await jm.jobState(jobId), "RUNNING");
    const stats = await jm.get<{ latest: { failed: Record<string, unknown> } }>(
      `/jobs/${jobId}/checkpoints`,
    );
    assert.equal(stats.latest.failed.status, "FAILED");
  } finally {
    await world.dispose();
  }
});

Deno.test("sim fault: savepoint-duration-ms makes savepoints (and stops) take that long", async () => {
  const world = await SimWorld.create();
  try {
    const jm = await world.start({
      conf: appConf(),
      annotations: { [FaultAnnotations.savepointDurationMs]: "500" },
    });
    const jobId = await jm.onlyJobId();
    await jm.waitForState(jobId, "RUNNING");
    const started = Date.now();
    const trigger = await jm.request("POST", `/jobs/${jobId}/savepoints`, {
      "target-directory": `${world.sharedFsRoot}/savepoints`,
    });
    const path = `/jobs/${jobId}/savepoints/${trigger.json["request-id"]}`;
    await sleep(250);
    assert.equal((await jm.get<{ status: { id: string } }>(path)).status.id, "IN_PROGRESS");
    const op = await jm.awaitOperation(path);
    assert.ok(op.location, JSON.stringify(op));
    assert.ok(Date.now() - started >= 500, "not before the configured duration");
  } finally {
    await world.dispose();
  }
});

Deno.test("sim fault: checkpoint-fail fails checkpoints; periodic failures cause failovers", async () => {
  const world = await SimWorld.create();
  try {
    const jm = await world.start({
      conf: appConf({ "execution.checkpointing.interval": "40 ms" }),
      annotations: { [FaultAnnotations.checkpointFail]: "storage down" },
    });
    const jobId = await jm.onlyJobId();
    await jm.waitForState(jobId, "RUNNING");
    const trigger = await jm.request("POST", `/jobs/${jobId}/checkpoints`, {});
    const op = await jm.awaitOperation(`/jobs/${jobId}/checkpoints/${trigger.json["request-id"]}`);
    assert.match((op.failureCause as Record<string, string>)["stack-trace"], /storage down/);
    // With the default tolerance of 0, a failed periodic checkpoint fails the job over.
    await waitFor(
      async () => {
        const metrics = await jm.get<{ value: string }[]>(`/jobs/${jobId}/metrics?get=numRestarts`);
        return Number(metrics[0].value) >= 1;
      },
      5000,
      "a restart",
    );
  } finally {
    await world.dispose();
  }
});

Deno.test("sim fault: job-restarts drives RESTARTING and numRestarts", async () => {
  const world = await SimWorld.create({ ...TEST_TIMINGS, restartMs: 300 });
  try {
    const jm = await world.start({ conf: appConf() });
    const jobId = await jm.onlyJobId();
    await jm.waitForState(jobId, "RUNNING");
    jm.annotations[FaultAnnotations.jobRestarts] = "2";
    await jm.waitForState(jobId, "RESTARTING");
    await waitFor(
      async () => {
        const m = await jm.get<{ value: string }[]>(`/jobs/${jobId}/metrics?get=numRestarts`);
        return m[0].value === "2" && (await jm.jobState(jobId)) === "RUNNING";
      },
      5000,
      "two restarts, then RUNNING",
    );
    const ex = await jm.get<{ exceptionHistory: { entries: unknown[] } }>(
      `/jobs/${jobId}/exceptions`,
    );
    assert.equal(ex.exceptionHistory.entries.length, 2);
  } finally {
    await world.dispose();
  }
});

Deno.test("sim fault: rest-delay-ms and rest-unreachable", async () => {
  const world = await SimWorld.create();
  try {
    const jm = await world.start({ conf: appConf() });
    await jm.waitReady();
    jm.annotations[FaultAnnotations.restDelayMs] = "150";
    const started = Date.now();
    await jm.get("/config");
    assert.ok(Date.now() - started >= 140, "responses are delayed");
    delete jm.annotations[FaultAnnotations.restDelayMs];

    jm.annotations[FaultAnnotations.restUnreachable] = "true";
    await waitFor(() => !jm.container.ready(), 2000, "REST to go away");
    await waitFor(
      async () => {
        try {
          await fetch(`${jm.url}/config`).then((r) => r.body?.cancel());
          return false;
        } catch {
          return true;
        }
      },
      2000,
      "connection refused",
    );
    delete jm.annotations[FaultAnnotations.restUnreachable];
    await jm.waitReady();
    await jm.get("/config");
  } finally {
    await world.dispose();
  }
});

Deno.test("sim fault: jobmanager-crash at start and after a delay; startup-delay-ms", async () => {
  const world = await SimWorld.create();
  try {
    const crashing = await world.start({
      conf: appConf(),
      annotations: { [FaultAnnotations.jobManagerCrash]: "true" },
    });
    const exit = await crashing.container.exited;
    assert.equal(exit.exitCode, 1);
    assert.equal(exit.reason, "Error");

    const later = await world.start({
      conf: appConf(),
      annotations: { [FaultAnnotations.jobManagerCrash]: "200" },
    });
    await later.waitReady();
    assert.equal((await later.container.exited).exitCode, 2);

    const slow = await world.start({
      conf: appConf(),
      annotations: { [FaultAnnotations.startupDelayMs]: "600" },
    });
    await sleep(100);
    assert.equal(slow.container.ready(), false);
    await slow.waitReady();
  } finally {
    await world.dispose();
  }
});
