import assert from "node:assert/strict";
import { appConf, exists, randomLoopbackIp, SimWorld, sleep, TEST_TIMINGS } from "./sim_harness.ts";

const JOB_ID = "a1b2c3d4e5f60718293a4b5c6d7e8f90";

Deno.test("sim: application job starts, runs and its counter advances", async () => {
  const world = await SimWorld.create({ ...TEST_TIMINGS, jobStartMs: 400 });
  try {
    const jm = await world.start({
      conf: appConf({ "$internal.pipeline.job-id": JOB_ID, "$internal.flink.version": "v1_19" }),
    });
    const jobId = await jm.onlyJobId();
    assert.equal(jobId, JOB_ID);
    assert.match(await jm.jobState(jobId), /INITIALIZING|CREATED/);
    await jm.waitForState(jobId, "RUNNING");
    const first = await jm.counter(jobId);
    await sleep(100);
    assert.ok((await jm.counter(jobId)) > first, "counter must grow while RUNNING");

    const config = await jm.get<Record<string, unknown>>("/config");
    assert.equal(config["flink-version"], "1.19.0");
    const overview = await jm.get<{ jobs: Record<string, unknown>[] }>("/v1/jobs/overview");
    assert.equal(overview.jobs[0].jid, JOB_ID);
    assert.equal(overview.jobs[0].name, "demo-job");
    assert.equal(overview.jobs[0].state, "RUNNING");
    const details = await jm.get<Record<string, unknown>>(`/jobs/${jobId}`);
    assert.equal((details.vertices as unknown[]).length, 1);
    const cluster = await jm.get<Record<string, number>>("/overview");
    assert.equal(cluster["jobs-running"], 1);
    assert.equal(cluster["taskmanagers"], 1, "native mode reports the TaskManagers it would run");

    const missing = await jm.request("GET", "/jobs/00000000000000000000000000000000");
    assert.equal(missing.status, 404);
    assert.match(missing.json.errors![0], /not found/);
    assert.equal((await jm.request("GET", "/nope")).status, 404);
    const result = await jm.get<{ status: { id: string } }>(`/jobs/${jobId}/execution-result`);
    assert.equal(result.status.id, "IN_PROGRESS");
  } finally {
    await world.dispose();
  }
});

Deno.test("sim: savepoint, then a new JobManager restores and continues the counter", async () => {
  const world = await SimWorld.create({ ...TEST_TIMINGS, savepointMs: 300 });
  try {
    const jm1 = await world.start({ conf: appConf() });
    const jobId = await jm1.onlyJobId();
    await jm1.waitForState(jobId, "RUNNING");
    await sleep(100);
    const trigger = await jm1.request("POST", `/jobs/${jobId}/savepoints`, {
      "target-directory": "file:///flink/manual",
      "cancel-job": false,
      "formatType": "CANONICAL",
    });
    assert.equal(trigger.status, 202);
    const requestId = trigger.json["request-id"] as string;
    const inProgress = await jm1.get<{ status: { id: string } }>(
      `/jobs/${jobId}/savepoints/${requestId}`,
    );
    assert.equal(inProgress.status.id, "IN_PROGRESS", "savepoints take time");
    const op = await jm1.awaitOperation(`/jobs/${jobId}/savepoints/${requestId}`);
    const location = op.location as string;
    assert.match(
      location,
      new RegExp(`^file:/flink/manual/savepoint-${jobId.slice(0, 6)}-[0-9a-f]{12}$`),
    );
    const metadata = JSON.parse(await Deno.readTextFile(world.host(location) + "/_metadata"));
    assert.equal(metadata.jobId, jobId);
    assert.ok(metadata.counter > 0);

    const stats = await jm1.get<{ latest: { savepoint: Record<string, unknown> } }>(
      `/jobs/${jobId}/checkpoints`,
    );
    assert.equal(stats.latest.savepoint.external_path, location);
    assert.equal(stats.latest.savepoint.is_savepoint, true);
    jm1.container.terminate();
    assert.equal((await jm1.container.exited).exitCode, 143);

    const jm2 = await world.start({
      conf: appConf({ "execution.savepoint.path": location }),
    });
    const job2 = await jm2.onlyJobId();
    await jm2.waitForState(job2, "RUNNING");
    assert.ok((await jm2.counter(job2)) >= metadata.counter, "restored counter continues");
    const restored = await jm2.get<{ latest: { restored: Record<string, unknown> } }>(
      `/jobs/${job2}/checkpoints`,
    );
    assert.equal(restored.latest.restored.external_path, location);
    assert.equal(restored.latest.restored.is_savepoint, true);
  } finally {
    await world.dispose();
  }
});

Deno.test("sim: stop-with-savepoint finishes the job", async () => {
  const world = await SimWorld.create();
  try {
    const jm = await world.start({ conf: appConf(), image: "flink:2.0" });
    const jobId = await jm.onlyJobId();
    await jm.waitForState(jobId, "RUNNING");
    const stop = await jm.request("POST", `/jobs/${jobId}/stop`, {
      drain: false,
      formatType: "NATIVE",
    });
    assert.equal(stop.status, 202);
    const op = await jm.awaitOperation(`/jobs/${jobId}/savepoints/${stop.json["request-id"]}`);
    assert.match(op.location as string, /^file:\/flink\/savepoints\/savepoint-/);
    await jm.waitForState(jobId, "FINISHED");
    const result = await jm.get<Record<string, Record<string, unknown>>>(
      `/jobs/${jobId}/execution-result`,
    );
    assert.equal(result["job-execution-result"]["application-status"], "SUCCEEDED");
    // Checkpoints are discarded on FINISHED; the savepoint stays.
    assert.ok(await exists(world.host(op.location as string)));
    // 2.x exception JSON has only the history.
    const exceptions = await jm.get<Record<string, unknown>>(`/jobs/${jobId}/exceptions`);
    assert.deepEqual(Object.keys(exceptions), ["exceptionHistory"]);
  } finally {
    await world.dispose();
  }
});

Deno.test("sim: cancel, repeated cancel and cancel of a finished job", async () => {
  const world = await SimWorld.create({ ...TEST_TIMINGS, cancelMs: 300 });
  try {
    const jm = await world.start({ conf: appConf() });
    const jobId = await jm.onlyJobId();
    await jm.waitForState(jobId, "RUNNING");
    assert.equal((await jm.request("PATCH", `/jobs/${jobId}?mode=cancel`)).status, 202);
    assert.equal(await jm.jobState(jobId), "CANCELLING");
    await jm.waitForState(jobId, "CANCELED");
    assert.equal((await jm.request("PATCH", `/jobs/${jobId}?mode=cancel`)).status, 202);

    jm.annotations["sim.flinkop.dev/job-finish"] = "true";
    const jm2 = await world.start({ conf: appConf(), annotations: jm.annotations });
    const job2 = await jm2.onlyJobId();
    await jm2.waitForState(job2, "FINISHED");
    const conflict = await jm2.request("PATCH", `/jobs/${job2}?mode=cancel`);
    assert.equal(conflict.status, 409);
    assert.match(conflict.json.errors![0], /already reached another terminal state/);
  } finally {
    await world.dispose();
  }
});

Deno.test("sim: a missing restore path fails the job and says which path", async () => {
  const world = await SimWorld.create();
  try {
    const jm = await world.start({
      conf: appConf({ "execution.savepoint.path": "file:///flink/savepoints/savepoint-gone" }),
    });
    const jobId = await jm.onlyJobId();
    await jm.waitForState(jobId, "FAILED");
    const result = await jm.get<Record<string, Record<string, Record<string, string>>>>(
      `/jobs/${jobId}/execution-result`,
    );
    const cause = result["job-execution-result"]["failure-cause"];
    assert.equal(cause.class, "org.apache.flink.runtime.client.JobInitializationException");
    assert.match(cause["stack-trace"], /savepoint-gone/);
    const exceptions = await jm.get<Record<string, unknown>>(`/jobs/${jobId}/exceptions`);
    assert.match(exceptions["root-exception"] as string, /Cannot find checkpoint or savepoint/);

    // The operator's last-state guard fails the same way when HA has nothing.
    const guarded = await world.start({
      conf: appConf({ "execution.savepoint.path": "KUBERNETES_OPERATOR_LAST_STATE" }),
    });
    const job2 = await guarded.onlyJobId();
    await guarded.waitForState(job2, "FAILED");
    const ex2 = await guarded.get<Record<string, string>>(`/jobs/${job2}/exceptions`);
    assert.match(ex2["root-exception"], /KUBERNETES_OPERATOR_LAST_STATE/);
  } finally {
    await world.dispose();
  }
});

Deno.test("sim: standalone application JobManager with --fromSavepoint and shutdown on finish", async () => {
  const world = await SimWorld.create();
  try {
    const spDir = world.host("/flink/sp/savepoint-abc");
    await Deno.mkdir(spDir, { recursive: true });
    await Deno.writeTextFile(
      `${spDir}/_metadata`,
      JSON.stringify({
        jobId: "x",
        checkpointId: 7,
        counter: 1000,
        timestamp: 0,
        type: "savepoint",
      }),
    );
    const jm = await world.start({
      conf: { "kubernetes.cluster-id": "standalone" },
      args: [
        "standalone-job",
        "--job-classname",
        "org.example.Main",
        "--fromSavepoint",
        "file:///flink/sp/savepoint-abc/_metadata",
        "--allowNonRestoredState",
      ],
      annotations: {},
    });
    const jobId = await jm.onlyJobId();
    await jm.waitForState(jobId, "RUNNING");
    assert.ok((await jm.counter(jobId)) >= 1000);
    const overview = await jm.get<{ jobs: { name: string }[] }>("/jobs/overview");
    assert.equal(overview.jobs[0].name, "org.example.Main");
    // Standalone mode has no TaskManager pods registered yet.
    assert.equal(
      (await jm.get<{ taskmanagers: unknown[] }>("/taskmanagers")).taskmanagers.length,
      0,
    );
    // shutdown-on-application-finish defaults to true: the process exits when the job ends.
    jm.annotations["sim.flinkop.dev/job-finish"] = "true";
    const exit = await jm.container.exited;
    assert.equal(exit.exitCode, 0);
    assert.equal(exit.reason, "Completed");
  } finally {
    await world.dispose();
  }
});

Deno.test("sim: DELETE /cluster exits 0, kill exits 137", async () => {
  const world = await SimWorld.create();
  try {
    const session = await world.start({ conf: appConf(), args: ["jobmanager"] });
    await session.waitReady();
    assert.equal((await session.request("DELETE", "/cluster")).status, 200);
    assert.deepEqual(await session.container.exited, { exitCode: 0, reason: "Completed" });

    const jm = await world.start({ conf: appConf() });
    await jm.waitReady();
    jm.container.kill();
    assert.equal((await jm.container.exited).exitCode, 137);
    assert.equal(jm.container.ready(), false);
  } finally {
    await world.dispose();
  }
});

Deno.test("sim: adaptive-scheduler rescale through resource requirements", async () => {
  const world = await SimWorld.create({ ...TEST_TIMINGS, restartMs: 300 });
  try {
    const jm = await world.start({ conf: appConf({ "jobmanager.scheduler": "adaptive" }) });
    const jobId = await jm.onlyJobId();
    await jm.waitForState(jobId, "RUNNING");
    const requirements = await jm.get<Record<string, { parallelism: { upperBound: number } }>>(
      `/jobs/${jobId}/resource-requirements`,
    );
    const [vertexId] = Object.keys(requirements);
    assert.equal(requirements[vertexId].parallelism.upperBound, 1);
    const put = await jm.request("PUT", `/jobs/${jobId}/resource-requirements`, {
      [vertexId]: { parallelism: { lowerBound: 1, upperBound: 3 } },
    });
    assert.equal(put.status, 200);
    assert.equal(await jm.jobState(jobId), "RESTARTING");
    await jm.waitForState(jobId, "RUNNING");
    const overview = await jm.get<{ jobs: { tasks: { total: number } }[] }>("/jobs/overview");
    assert.equal(overview.jobs[0].tasks.total, 3);
  } finally {
    await world.dispose();
  }
});

Deno.test("sim: a REST port already in use fails the JobManager start", async () => {
  const world = await SimWorld.create();
  const ip = randomLoopbackIp();
  const blocker = Deno.listen({ hostname: ip, port: 0 });
  try {
    const port = (blocker.addr as Deno.NetAddr).port;
    const jm = await world.start({ conf: appConf(), ip, port });
    const exit = await jm.container.exited;
    assert.equal(exit.exitCode, 1);
    assert.match(exit.message!, /Could not start rest endpoint/);
  } finally {
    blocker.close();
    await world.dispose();
  }
});
