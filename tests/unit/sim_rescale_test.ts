/**
 * The simulator's adaptive-scheduler resource requirements: vertex ids that belong to the
 * program, parallelism overrides at submission, Flink's validation of a PUT, and requirements
 * that survive a JobManager failover through HA.
 */
import assert from "node:assert/strict";
import { appConf, SimWorld } from "./sim_harness.ts";

type Requirements = Record<string, { parallelism: { lowerBound: number; upperBound: number } }>;

const ADAPTIVE = { "jobmanager.scheduler": "adaptive" };

type Process = Awaited<ReturnType<SimWorld["start"]>>;

/** The running parallelism, from the jobs overview (which Flink does not cache). */
async function runningTasks(jm: Process): Promise<number> {
  const overview = await jm.get<{ jobs: { tasks: { total: number } }[] }>("/jobs/overview");
  return overview.jobs[0].tasks.total;
}

async function vertexOf(jm: Process, jobId: string) {
  const details = await jm.get<{ vertices: { id: string; parallelism: number }[] }>(
    `/jobs/${jobId}`,
  );
  assert.equal(details.vertices.length, 1);
  return details.vertices[0];
}

Deno.test("sim: a program's vertex id does not depend on the job id; overrides apply at submission", async () => {
  const world = await SimWorld.create();
  try {
    const first = await world.start({ conf: appConf({ "parallelism.default": 2 }) });
    const firstJob = await first.onlyJobId();
    await first.waitForState(firstJob, "RUNNING");
    const vertex = await vertexOf(first, firstJob);
    assert.equal(vertex.parallelism, 2);

    const second = await world.start({
      conf: appConf({
        "parallelism.default": 2,
        "pipeline.jobvertex-parallelism-overrides": `${vertex.id}:3`,
      }),
    });
    const secondJob = await second.onlyJobId();
    assert.notEqual(secondJob, firstJob);
    await second.waitForState(secondJob, "RUNNING");
    const overridden = await vertexOf(second, secondJob);
    assert.equal(overridden.id, vertex.id, "same program, same vertex id");
    assert.equal(overridden.parallelism, 3, "the override wins over parallelism.default");

    // An override for another vertex changes nothing.
    const third = await world.start({
      conf: appConf({
        "parallelism.default": 2,
        "pipeline.jobvertex-parallelism-overrides": "0123456789abcdef0123456789abcdef:5",
      }),
    });
    const thirdJob = await third.onlyJobId();
    await third.waitForState(thirdJob, "RUNNING");
    assert.equal((await vertexOf(third, thirdJob)).parallelism, 2);
  } finally {
    await world.dispose();
  }
});

Deno.test("sim: resource requirement updates are validated as Flink's Dispatcher does", async () => {
  const world = await SimWorld.create();
  try {
    const jm = await world.start({ conf: appConf({ ...ADAPTIVE, "parallelism.default": 2 }) });
    const jobId = await jm.onlyJobId();
    await jm.waitForState(jobId, "RUNNING");
    const path = `/jobs/${jobId}/resource-requirements`;
    const before = await jm.get<Requirements>(path);
    const [vertex] = Object.keys(before);
    assert.deepEqual(before[vertex].parallelism, { lowerBound: 1, upperBound: 2 });

    const bad = async (body: unknown) => {
      const res = await jm.request("PUT", path, body);
      assert.equal(res.status, 400, JSON.stringify(res.json));
      return res.json.errors!.join("\n");
    };
    const unknown = "0123456789abcdef0123456789abcdef";
    const text = await bad({ [unknown]: { parallelism: { lowerBound: 1, upperBound: 2 } } });
    assert.match(text, new RegExp(`Job vertex \\[${unknown}\\] was not found in the JobGraph\\.`));
    assert.match(text, /The request is incomplete, missing job vertex/);
    assert.match(
      await bad({ [vertex]: { parallelism: { lowerBound: 3, upperBound: 2 } } }),
      /The requested lower bound \[3\] for job vertex \[\w+\] is higher than the upper bound \[2\]\./,
    );
    assert.match(
      await bad({ [vertex]: { parallelism: { lowerBound: 1, upperBound: 129 } } }),
      /The newly requested parallelism 129 for the job vertex \w+ exceeds its maximum parallelism 128\./,
    );
    assert.match(
      await bad({ [vertex]: { parallelism: { lowerBound: 0, upperBound: 2 } } }),
      /must be greater than zero/,
    );
    assert.match(
      await bad({ [vertex]: { parallelism: { lowerBound: 1, upperBound: 2 }, extra: 1 } }),
      /Request did not match expected format JobResourceRequirementsBody\./,
    );
    assert.equal(await jm.jobState(jobId), "RUNNING", "a refused update changes nothing");

    // A lower bound alone changes the requirements but not the running parallelism.
    const lower = await jm.request("PUT", path, {
      [vertex]: { parallelism: { lowerBound: 2, upperBound: 2 } },
    });
    assert.equal(lower.status, 200);
    assert.deepEqual((await jm.get<Requirements>(path))[vertex].parallelism, {
      lowerBound: 2,
      upperBound: 2,
    });
    assert.equal(await jm.jobState(jobId), "RUNNING");

    // -1 means the maximum parallelism as the upper bound.
    const max = await jm.request("PUT", path, {
      [vertex]: { parallelism: { lowerBound: -1, upperBound: -1 } },
    });
    assert.equal(max.status, 200);
    assert.deepEqual((await jm.get<Requirements>(path))[vertex].parallelism, {
      lowerBound: 1,
      upperBound: 128,
    });
  } finally {
    await world.dispose();
  }
});

Deno.test("sim: rescaled requirements are kept with the HA job graph across a failover", async () => {
  const world = await SimWorld.create();
  const conf = appConf({
    ...ADAPTIVE,
    "parallelism.default": 2,
    "high-availability.type": "kubernetes",
    "high-availability.storageDir": "file:///flink/ha",
    "$internal.pipeline.job-id": "feedfacefeedfacefeedfacefeedface",
  });
  try {
    const jm1 = await world.start({ conf });
    const jobId = await jm1.onlyJobId();
    await jm1.waitForState(jobId, "RUNNING");
    const vertex = (await vertexOf(jm1, jobId)).id;
    const put = await jm1.request("PUT", `/jobs/${jobId}/resource-requirements`, {
      [vertex]: { parallelism: { lowerBound: 1, upperBound: 4 } },
    });
    assert.equal(put.status, 200);
    await jm1.waitForState(jobId, "RUNNING");
    assert.equal(await runningTasks(jm1), 4);

    jm1.container.kill();
    await jm1.container.exited;
    const jm2 = await world.start({ conf });
    assert.equal(await jm2.onlyJobId(), jobId);
    await jm2.waitForState(jobId, "RUNNING");
    assert.equal(await runningTasks(jm2), 4, "recovered with the new bounds");
  } finally {
    await world.dispose();
  }
});
