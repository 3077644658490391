/**
 * The simulator's REST answers where real Flink has quirks the operator meets (measured on
 * 1.20.5 and 2.2.1 by tests/integration/sim_fidelity_test.ts): errors for jobs without a
 * JobMaster, resource requirements under the default scheduler, the statistics' shape.
 */
import assert from "node:assert/strict";
import { appConf, type SimProcess, SimWorld } from "./sim_harness.ts";

const UNKNOWN = "0000000000000000000000000000dead";

async function sessionWithJob(
  world: SimWorld,
  conf: Record<string, unknown> = appConf(),
): Promise<{ jm: SimProcess; jobId: string; jarId: string }> {
  const jm = await world.start({ conf, args: ["jobmanager"] });
  await jm.waitReady();
  const form = new FormData();
  form.append("jarfile", new File([new Uint8Array([0x50, 0x4b, 0x05, 0x06])], "job.jar"));
  const upload = await (await fetch(`${jm.url}/jars/upload`, { method: "POST", body: form }))
    .json();
  const jarId = String(upload.filename).split("/").pop()!;
  const jobId = "00000000000000000000000000000abc";
  const run = await jm.request("POST", `/jars/${jarId}/run`, { jobId, parallelism: 2 });
  assert.equal(run.status, 200, JSON.stringify(run.json));
  await jm.waitForState(jobId, "RUNNING");
  return { jm, jobId, jarId };
}

/** The first line of the first error, without Flink's server-side wrapper. */
function firstError(json: { errors?: string[] }): string {
  const errors = json.errors ?? [];
  const text = errors.length > 1 && errors[0] === "Internal server error." ? errors[1] : errors[0];
  return (text ?? "").replace(/^<Exception on server side:\n/, "").split("\n")[0];
}

Deno.test("sim: a job the Dispatcher does not know: 500 for status, 404 for cancel", async () => {
  const world = await SimWorld.create();
  try {
    const { jm } = await sessionWithJob(world);
    const status = await jm.request("GET", `/jobs/${UNKNOWN}/status`);
    assert.equal(status.status, 500);
    assert.equal(status.json.errors![0], "Internal server error.");
    assert.match(status.json.errors![1], /End of exception on server side>$/);
    assert.equal(
      firstError(status.json),
      `org.apache.flink.runtime.messages.FlinkJobNotFoundException: Could not find Flink job (${UNKNOWN})`,
    );
    const details = await jm.request("GET", `/jobs/${UNKNOWN}`);
    assert.equal(details.status, 404);
    assert.match(firstError(details.json), /rest\.NotFoundException: Job \w+ not found$/);
    const cancel = await jm.request("PATCH", `/jobs/${UNKNOWN}?mode=cancel`);
    assert.equal(cancel.status, 404);
    assert.equal(
      firstError(cancel.json),
      "org.apache.flink.runtime.rest.handler.RestHandlerException: Job could not be found.",
    );
  } finally {
    await world.dispose();
  }
});

Deno.test("sim: snapshots of jobs without a JobMaster are accepted and fail when polled", async () => {
  const world = await SimWorld.create();
  try {
    const { jm, jobId } = await sessionWithJob(world);
    const stop = await jm.request("POST", `/jobs/${jobId}/stop`, {});
    await jm.awaitOperation(`/jobs/${jobId}/savepoints/${stop.json["request-id"]}`);
    await jm.waitForState(jobId, "FINISHED");

    const cancel = await jm.request("PATCH", `/jobs/${jobId}?mode=cancel`);
    assert.equal(cancel.status, 409);
    assert.match(
      firstError(cancel.json),
      /RestHandlerException: Job cancellation failed because the job has already reached another terminal state \(FINISHED\)\.$/,
    );

    for (const target of [UNKNOWN, jobId]) {
      for (const [path, field] of [["stop", "failure-cause"], ["savepoints", "failure-cause"]]) {
        const trigger = await jm.request("POST", `/jobs/${target}/${path}`, {});
        assert.equal(trigger.status, 202, `${path} of ${target}`);
        const op = await jm.awaitOperation(
          `/jobs/${target}/savepoints/${trigger.json["request-id"]}`,
        );
        const cause = op[field] as { class: string; "stack-trace": string };
        assert.equal(cause.class, "java.util.concurrent.CompletionException");
        assert.match(
          cause["stack-trace"],
          new RegExp(
            `^java\\.util\\.concurrent\\.CompletionException: org\\.apache\\.flink\\.runtime\\.messages\\.FlinkJobNotFoundException: Could not find Flink job \\(${target}\\)`,
          ),
        );
      }
      const checkpoint = await jm.request("POST", `/jobs/${target}/checkpoints`, {});
      assert.equal(checkpoint.status, 202);
      const op = await jm.awaitOperation(
        `/jobs/${target}/checkpoints/${checkpoint.json["request-id"]}`,
      );
      assert.equal(
        (op.failureCause as { class: string }).class,
        "java.util.concurrent.CompletionException",
      );
    }

    const beef = "0000000000000000000000000000beef";
    const savepointStatus = await jm.request("GET", `/jobs/${jobId}/savepoints/${beef}`);
    assert.equal(savepointStatus.status, 404);
    assert.equal(
      firstError(savepointStatus.json),
      "org.apache.flink.runtime.rest.handler.RestHandlerException: There is no savepoint " +
        `operation with triggerId=${beef} for job ${jobId}.`,
    );
    const checkpointStatus = await jm.request("GET", `/jobs/${jobId}/checkpoints/${beef}`);
    assert.equal(checkpointStatus.status, 404);
    assert.match(firstError(checkpointStatus.json), /There is no checkpoint operation/);
    const disposal = await jm.request("GET", `/savepoint-disposal/${beef}`);
    assert.equal(disposal.status, 404);
    assert.match(firstError(disposal.json), /NotFoundException: Operation not found under key/);
  } finally {
    await world.dispose();
  }
});

Deno.test("sim: the savepoint target is the request's or the cluster's, never the job's", async () => {
  const world = await SimWorld.create();
  try {
    const conf = appConf({ "execution.checkpointing.savepoint-dir": undefined });
    const { jm, jobId, jarId } = await sessionWithJob(world, conf);
    const withJobDir = "00000000000000000000000000000abd";
    const run = await jm.request("POST", `/jars/${jarId}/run`, {
      jobId: withJobDir,
      flinkConfiguration: { "execution.checkpointing.savepoint-dir": "file:///flink/job-sp" },
    });
    assert.equal(run.status, 200);
    await jm.waitForState(withJobDir, "RUNNING");
    for (const id of [jobId, withJobDir]) {
      const res = await jm.request("POST", `/jobs/${id}/savepoints`, { "cancel-job": false });
      assert.equal(res.status, 400);
      assert.equal(
        firstError(res.json),
        "org.apache.flink.runtime.rest.handler.RestHandlerException: Config key " +
          "[execution.checkpointing.savepoint-dir] is not set. Property [target-directory] " +
          "must be provided.",
      );
    }
    const explicit = await jm.request("POST", `/jobs/${jobId}/savepoints`, {
      "target-directory": "file:///flink/sp",
    });
    assert.equal(explicit.status, 202);
  } finally {
    await world.dispose();
  }
});

Deno.test("sim: resource requirements need the cluster's adaptive scheduler", async () => {
  const world = await SimWorld.create();
  try {
    const { jm, jobId } = await sessionWithJob(world);
    const get = await jm.request("GET", `/jobs/${jobId}/resource-requirements`);
    assert.equal(get.status, 500);
    assert.match(
      firstError(get.json),
      /^java\.lang\.UnsupportedOperationException: The DefaultScheduler does not support changing the parallelism/,
    );
    const empty = await jm.request("PUT", `/jobs/${jobId}/resource-requirements`, {});
    assert.equal(empty.status, 400);
    assert.match(firstError(empty.json), /Request body does not specify resource requirements\.$/);
    const vertex = (await jm.get<{ vertices: { id: string }[] }>(`/jobs/${jobId}`)).vertices[0].id;
    const put = await jm.request("PUT", `/jobs/${jobId}/resource-requirements`, {
      [vertex]: { parallelism: { lowerBound: 1, upperBound: 1 } },
    });
    assert.equal(put.status, 500);
  } finally {
    await world.dispose();
  }
  const adaptive = await SimWorld.create();
  try {
    const { jm, jobId } = await sessionWithJob(
      adaptive,
      appConf({ "jobmanager.scheduler": "adaptive" }),
    );
    const get = await jm.get<Record<string, { parallelism: { upperBound: number } }>>(
      `/jobs/${jobId}/resource-requirements`,
    );
    assert.deepEqual(Object.values(get).map((v) => v.parallelism.upperBound), [2]);
  } finally {
    await adaptive.dispose();
  }
});

Deno.test("sim: cluster, checkpoint and result JSON leave out what Flink leaves out", async () => {
  const world = await SimWorld.create();
  try {
    const { jm, jobId } = await sessionWithJob(world);
    const overview = await jm.get("/overview");
    assert.ok(!("taskmanagers-blocked" in overview) && !("slots-free-and-blocked" in overview));

    // Without a completed checkpoint the percentiles are NaN (a string in Flink's JSON).
    const before = await jm.get<{ summary: Record<string, Record<string, unknown>> }>(
      `/jobs/${jobId}/checkpoints`,
    );
    assert.equal(before.summary.state_size.p50, "NaN");
    assert.equal(before.summary.alignment_buffered.p99, 0);

    const trigger = await jm.request("POST", `/jobs/${jobId}/checkpoints`, {});
    const op = await jm.awaitOperation(`/jobs/${jobId}/checkpoints/${trigger.json["request-id"]}`);
    const stats = await jm.get<
      {
        summary: Record<string, Record<string, unknown>>;
        latest: { completed: { tasks: Record<string, unknown> } };
      }
    >(`/jobs/${jobId}/checkpoints`);
    assert.equal(typeof stats.summary.state_size.p50, "number");
    assert.deepEqual(stats.latest.completed.tasks, {}, "per-vertex tasks only in the details");
    const details = await jm.get<{ tasks: Record<string, unknown> }>(
      `/jobs/${jobId}/checkpoints/details/${op.checkpointId}`,
    );
    assert.equal(Object.keys(details.tasks).length, 1);

    await jm.request("PATCH", `/jobs/${jobId}?mode=cancel`);
    await jm.waitForState(jobId, "CANCELED");
    const result = await jm.get<{ "job-execution-result": { "accumulator-results": object } }>(
      `/jobs/${jobId}/execution-result`,
    );
    assert.deepEqual(Object.keys(result["job-execution-result"]["accumulator-results"]), [
      "counter",
    ]);
  } finally {
    await world.dispose();
  }
});
