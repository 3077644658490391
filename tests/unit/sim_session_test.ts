import assert from "node:assert/strict";
import { appConf, SimWorld, sleep } from "./sim_harness.ts";

async function uploadJar(
  url: string,
  name = "job.jar",
): Promise<{ status: number; json: Record<string, string> }> {
  const form = new FormData();
  form.append(
    "jarfile",
    new File([new Uint8Array([0x50, 0x4b, 0x05, 0x06])], name, {
      type: "application/x-java-archive",
    }),
  );
  const res = await fetch(`${url}/jars/upload`, { method: "POST", body: form });
  return { status: res.status, json: await res.json() };
}

Deno.test("sim: session cluster runs jobs submitted through jars", async () => {
  const world = await SimWorld.create();
  try {
    const jm = await world.start({
      conf: appConf({ "$internal.flink.version": "v1_20" }),
      args: ["kubernetes-jobmanager.sh", "kubernetes-session"],
    });
    await jm.waitReady();
    assert.deepEqual((await jm.get<{ jobs: unknown[] }>("/jobs")).jobs, []);

    assert.equal((await uploadJar(jm.url, "notes.txt")).status, 400);
    const upload = await uploadJar(jm.url);
    assert.equal(upload.status, 200);
    assert.equal(upload.json.status, "success");
    const jarId = upload.json.filename.slice(upload.json.filename.lastIndexOf("/") + 1);
    assert.match(jarId, /_job\.jar$/);
    const listed = await jm.get<{ files: { id: string }[] }>("/jars");
    assert.deepEqual(listed.files.map((f) => f.id), [jarId]);

    const jobId = "00000000000000000000000000000abc";
    const run = await jm.request("POST", `/jars/${jarId}/run`, {
      entryClass: "org.example.Streaming",
      programArgsList: ["--a", "b"],
      parallelism: 2,
      jobId,
      allowNonRestoredState: false,
      claimMode: "NO_CLAIM",
      flinkConfiguration: { "pipeline.name": "session-job-1" },
    });
    assert.equal(run.status, 200, JSON.stringify(run.json));
    assert.equal(run.json.jobid, jobId);
    await jm.waitForState(jobId, "RUNNING");
    const overview = await jm.get<{ jobs: { name: string; tasks: { total: number } }[] }>(
      "/jobs/overview",
    );
    assert.equal(overview.jobs[0].name, "session-job-1");
    assert.equal(overview.jobs[0].tasks.total, 2);

    const duplicate = await jm.request("POST", `/jars/${jarId}/run`, { jobId });
    assert.equal(duplicate.status, 409);
    assert.match(duplicate.json.errors![0], /DuplicateJobSubmissionException/);

    // A second job restoring from a savepoint of the first.
    await sleep(50);
    const sp = await jm.request("POST", `/jobs/${jobId}/stop`, {});
    const op = await jm.awaitOperation(`/jobs/${jobId}/savepoints/${sp.json["request-id"]}`);
    await jm.waitForState(jobId, "FINISHED");
    const second = await jm.request("POST", `/jars/${jarId}/run`, {
      savepointPath: op.location,
      claimMode: "CLAIM",
    });
    assert.equal(second.status, 200);
    const job2 = second.json.jobid as string;
    await jm.waitForState(job2, "RUNNING");
    assert.ok((await jm.counter(job2)) > 0);

    // A missing savepoint fails the job while it initialises, and with it the submission (the
    // program's execute() waits for initialisation); the job stays listed as FAILED, taskless.
    const failing = "00000000000000000000000000000def";
    const third = await jm.request("POST", `/jars/${jarId}/run`, {
      savepointPath: "file:///nope",
      jobId: failing,
    });
    assert.equal(third.status, 400);
    assert.match(
      third.json.errors![0],
      /^org\.apache\.flink\.runtime\.rest\.handler\.RestHandlerException: Could not execute application\./,
    );
    assert.match(
      third.json.errors![0],
      /Cannot find checkpoint or savepoint file\/directory 'file:\/\/\/nope'/,
    );
    assert.equal(await jm.jobState(failing), "FAILED");
    const details = await jm.get<{ vertices: unknown[] }>(`/jobs/${failing}`);
    assert.deepEqual(details.vertices, []);

    assert.equal((await jm.request("DELETE", `/jars/${jarId}`)).status, 200);
    assert.equal((await jm.request("DELETE", `/jars/${jarId}`)).status, 400);
    assert.equal((await jm.request("POST", `/jars/${jarId}/run`, {})).status, 400);
  } finally {
    await world.dispose();
  }
});

Deno.test("sim: jar run rejects fields the Flink version does not know", async () => {
  const world = await SimWorld.create();
  try {
    const jm = await world.start({ conf: appConf(), args: ["jobmanager"], image: "flink:1.19" });
    await jm.waitReady();
    const upload = await uploadJar(jm.url);
    const jarId = upload.json.filename.split("/").pop();
    const claim = await jm.request("POST", `/jars/${jarId}/run`, { claimMode: "NO_CLAIM" });
    assert.equal(claim.status, 400, "claimMode only exists from 1.20");
    assert.match(claim.json.errors![0], /JarRunRequestBody/);
    const restore = await jm.request("POST", `/jars/${jarId}/run`, { restoreMode: "NO_CLAIM" });
    assert.equal(restore.status, 200);
  } finally {
    await world.dispose();
  }
});

Deno.test("sim: standalone TaskManagers register with their JobManager", async () => {
  const world = await SimWorld.create();
  try {
    const conf = { ...appConf(), "taskmanager.numberOfTaskSlots": 2 };
    const jm = await world.start({ conf, args: ["jobmanager"] });
    const tm = await world.start({ conf, args: ["taskmanager"], podName: "demo-taskmanager-0" });
    assert.equal(tm.container.role, "taskmanager");
    assert.equal(tm.container.ready(), true);
    await jm.waitReady();
    const { taskmanagers } = await jm.get<{ taskmanagers: Record<string, unknown>[] }>(
      "/taskmanagers",
    );
    assert.equal(taskmanagers.length, 1);
    assert.equal(taskmanagers[0].id, "demo-taskmanager-0");
    assert.equal(taskmanagers[0].slotsNumber, 2);
    tm.container.terminate();
    assert.equal((await tm.container.exited).exitCode, 143);
    const after = await jm.get<{ taskmanagers: unknown[] }>("/taskmanagers");
    assert.equal(after.taskmanagers.length, 0);
  } finally {
    await world.dispose();
  }
});
