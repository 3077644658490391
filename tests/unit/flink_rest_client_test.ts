import assert from "node:assert/strict";
import { FlinkRestError } from "../../lib/flink/rest/errors.ts";
import { NOT_EXTERNALLY_ADDRESSABLE } from "../../lib/flink/rest/checkpoint_stats.ts";
import { withFakeFlink } from "./flink_rest_fake_server.ts";
import {
  CHECKPOINT_STATS,
  CHECKPOINT_STATS_NOT_ADDRESSABLE,
  CHECKPOINT_STATS_ONLY_RESTORED,
  CHECKPOINTING_DISABLED,
  CONFIG_1_20,
  EXCEPTIONS_1_17,
  EXCEPTIONS_2_X,
  EXECUTION_RESULT_FAILED,
  JOB_DETAILS,
  JOB_ID,
  JOBS_OVERVIEW,
  OTHER_JOB_ID,
  OVERVIEW,
  TASK_MANAGERS,
} from "./flink_rest_fixtures.ts";

Deno.test("config, overview and task managers are read from Flink's field names", async () => {
  await withFakeFlink((f) => {
    f.on("GET", "/config", { json: CONFIG_1_20 });
    f.on("GET", "/overview", { json: OVERVIEW });
    f.on("GET", "/taskmanagers", { json: TASK_MANAGERS });
  }, async (f) => {
    const client = f.client();
    assert.deepEqual(await client.config(), {
      flinkVersion: "1.20.1",
      flinkRevision: "8e2a7b2 @ 2025-02-03T10:11:12+01:00",
      refreshInterval: 3000,
      timezoneName: "Coordinated Universal Time",
      features: {
        "web-submit": true,
        "web-cancel": true,
        "web-rescale": false,
        "web-history": false,
      },
    });
    const overview = await client.overview();
    assert.equal(overview.taskManagers, 2);
    assert.equal(overview.slotsAvailable, 1);
    assert.equal(overview.jobsRunning, 1);
    assert.equal(overview.flinkVersion, "2.1.0");
    assert.deepEqual(await client.taskManagers(), [{
      id: "10.244.0.7:39457-2b4c1e",
      path: "pekko.tcp://flink@10.244.0.7:6122/user/rpc/taskmanager_0",
      dataPort: 41_000,
      slotsNumber: 2,
      freeSlots: 0,
      timeSinceLastHeartbeat: 1_700_000_059_000,
    }]);
    // Flink's RestClient always uses the versioned URL; so do we.
    assert.deepEqual(f.requests.map((r) => r.path), [
      "/v1/config",
      "/v1/overview",
      "/v1/taskmanagers",
    ]);
  });
});

Deno.test("listJobs maps /jobs/overview rows to camelCase", async () => {
  await withFakeFlink((f) => f.on("GET", "/jobs/overview", { json: JOBS_OVERVIEW }), async (f) => {
    assert.deepEqual(await f.client().listJobs(), [
      {
        jid: JOB_ID,
        name: "State machine job",
        state: "RUNNING",
        startTime: 1_700_000_000_000,
        endTime: -1,
        duration: 60_000,
        lastModification: 1_700_000_001_000,
      },
      {
        jid: OTHER_JOB_ID,
        name: "Old job",
        state: "CANCELED",
        startTime: 1_690_000_000_000,
        endTime: 1_690_000_500_000,
        duration: 500_000,
        lastModification: 1_690_000_500_000,
      },
    ]);
  });
});

Deno.test("jobDetails and jobStatus", async () => {
  await withFakeFlink((f) => {
    f.on("GET", `/jobs/${JOB_ID}`, { json: JOB_DETAILS });
    f.on("GET", `/jobs/${JOB_ID}/status`, { json: { status: "RUNNING" } });
  }, async (f) => {
    const client = f.client();
    const details = await client.jobDetails(JOB_ID);
    assert.equal(details.state, "RUNNING");
    assert.equal(details.isStoppable, false);
    assert.equal(details.jobType, "STREAMING");
    assert.deepEqual(details.timestamps.RUNNING, 1_700_000_000_000);
    assert.deepEqual(details.vertices, [{
      id: "cbc357ccb763df2852fee8c4fc7d55f2",
      name: "Source: Custom Source",
      parallelism: 2,
      maxParallelism: 128,
      status: "RUNNING",
    }]);
    assert.equal(await client.jobStatus(JOB_ID), "RUNNING");
  });
});

Deno.test("an unknown job surfaces as FlinkRestError 404 with Flink's messages", async () => {
  await withFakeFlink((f) => {
    f.on("GET", `/jobs/${JOB_ID}`, {
      status: 404,
      json: {
        errors: [
          "org.apache.flink.runtime.rest.NotFoundException: Job " + JOB_ID + " not found\n\tat x",
        ],
      },
    });
  }, async (f) => {
    await assert.rejects(f.client().jobDetails(JOB_ID), (err: unknown) => {
      assert.ok(err instanceof FlinkRestError);
      assert.equal(err.status, 404);
      assert.equal(err.path, `/v1/jobs/${JOB_ID}`);
      assert.match(err.errors[0], /NotFoundException/);
      // The message keeps the first line only, not the stack trace.
      assert.match(err.message, /HTTP 404: .*not found$/);
      return true;
    });
  });
});

Deno.test("cancel maps 202 / 404 / 409 / terminal-state message / other errors", async () => {
  const cases: { reply: { status: number; json?: unknown }; expect: string }[] = [
    { reply: { status: 202 }, expect: "cancelled" },
    { reply: { status: 404, json: { errors: ["Job not found"] } }, expect: "missing" },
    {
      reply: {
        status: 409,
        json: { errors: [`Job ${JOB_ID} has already reached another terminal state (FINISHED).`] },
      },
      expect: "already-terminal",
    },
    {
      reply: {
        status: 500,
        json: {
          errors: [
            "Internal server error.",
            "<Exception on server side:\norg.apache.flink.runtime.messages." +
            "FlinkJobTerminatedWithoutCancellationException: Job " + JOB_ID +
            " has already reached another terminal state (FAILED).\n\tat x\n\n" +
            "End of exception on server side>",
          ],
        },
      },
      expect: "already-terminal",
    },
  ];
  for (const { reply, expect } of cases) {
    await withFakeFlink((f) => f.on("PATCH", `/jobs/${JOB_ID}`, reply), async (f) => {
      assert.equal(await f.client().cancelJob(JOB_ID), expect, `HTTP ${reply.status}`);
      const req = f.only("PATCH", `/jobs/${JOB_ID}`);
      assert.equal(req.query.get("mode"), "cancel");
      assert.equal(req.text, "");
    });
  }
  await withFakeFlink((f) => {
    f.on("PATCH", `/jobs/${JOB_ID}`, {
      status: 500,
      json: {
        errors: [
          "Internal server error.",
          "<Exception on server side:\njava.util.concurrent.TimeoutException: Invocation timed out\n" +
          "\tat x\n\nEnd of exception on server side>",
        ],
      },
    });
  }, async (f) => {
    await assert.rejects(f.client().cancelJob(JOB_ID), (err: unknown) => {
      assert.ok(err instanceof FlinkRestError);
      assert.equal(err.status, 500);
      assert.equal(err.errors.length, 2);
      assert.match(
        err.message,
        /HTTP 500: java.util.concurrent.TimeoutException: Invocation timed out$/,
      );
      return true;
    });
  });
});

Deno.test("checkpoint stats: latest pointer is the highest id with an external path", async () => {
  await withFakeFlink((f) => {
    f.on("GET", `/jobs/${JOB_ID}/checkpoints`, { json: CHECKPOINT_STATS });
  }, async (f) => {
    const stats = await f.client().checkpointStats(JOB_ID);
    assert.equal(stats.checkpointingDisabled, false);
    assert.deepEqual(stats.counts, {
      restored: 1,
      total: 16,
      inProgress: 1,
      completed: 13,
      failed: 2,
    });
    assert.deepEqual(stats.latestCheckpoint(), {
      id: 14,
      externalPath: "file:/flink-data/checkpoints/3f2a1c0d9e8b7a6f5e4d3c2b1a098765/chk-14",
      timestamp: 1_700_000_140_000,
      source: "completed",
      externallyAddressable: true,
    });
    assert.equal(stats.latest.completed?.stateSize, 18_432);
    assert.equal(stats.latest.failed?.failureMessage, "Checkpoint expired before completing.");
    assert.deepEqual(stats.pendingCheckpoint, { id: 15, triggerTimestamp: 1_700_000_150_000 });
  });
});

Deno.test("checkpoint stats: a restored savepoint wins when nothing newer exists", async () => {
  await withFakeFlink((f) => {
    f.on("GET", `/jobs/${JOB_ID}/checkpoints`, { json: CHECKPOINT_STATS_ONLY_RESTORED });
  }, async (f) => {
    const stats = await f.client().checkpointStats(JOB_ID);
    assert.deepEqual(stats.latestCheckpoint(), {
      id: 27,
      externalPath: "s3://bucket/savepoints/savepoint-27",
      timestamp: 1_700_000_300_000,
      source: "restored",
      externallyAddressable: true,
    });
    assert.equal(stats.pendingCheckpoint, undefined);
  });
});

Deno.test("checkpoint stats: the non-addressable pointer is reported, not hidden", async () => {
  await withFakeFlink((f) => {
    f.on("GET", `/jobs/${JOB_ID}/checkpoints`, { json: CHECKPOINT_STATS_NOT_ADDRESSABLE });
  }, async (f) => {
    const latest = (await f.client().checkpointStats(JOB_ID)).latestCheckpoint();
    assert.equal(latest?.id, 2);
    assert.equal(latest?.externalPath, NOT_EXTERNALLY_ADDRESSABLE);
    assert.equal(latest?.externallyAddressable, false);
  });
});

Deno.test("checkpoint stats: 'Checkpointing has not been enabled' means no checkpoint", async () => {
  await withFakeFlink((f) => {
    f.on("GET", `/jobs/${JOB_ID}/checkpoints`, { status: 404, json: CHECKPOINTING_DISABLED });
  }, async (f) => {
    const stats = await f.client().checkpointStats(JOB_ID);
    assert.equal(stats.checkpointingDisabled, true);
    assert.equal(stats.latestCheckpoint(), undefined);
    assert.equal(stats.pendingCheckpoint, undefined);
  });
});

Deno.test("checkpoint stats: other errors still throw", async () => {
  await withFakeFlink((f) => {
    f.on("GET", `/jobs/${JOB_ID}/checkpoints`, {
      status: 404,
      json: { errors: ["Job not found"] },
    });
  }, async (f) => {
    await assert.rejects(f.client().checkpointStats(JOB_ID), FlinkRestError);
  });
});

Deno.test("exceptions: 1.17 JSON (location, no failureLabels)", async () => {
  await withFakeFlink((f) => {
    f.on("GET", `/jobs/${JOB_ID}/exceptions`, { json: EXCEPTIONS_1_17 });
  }, async (f) => {
    const result = await f.client().exceptions(JOB_ID, 10);
    assert.equal(f.only("GET", `/jobs/${JOB_ID}/exceptions`).query.get("maxExceptions"), "10");
    assert.deepEqual(result, {
      entries: [{
        exceptionName: "java.lang.RuntimeException",
        stacktrace: "java.lang.RuntimeException: boom\n\tat com.example.Mapper.map(Mapper.java:17)",
        timestamp: 1_700_000_200_000,
        taskName: "Map (1/2)#0",
        endpoint: "10.244.0.7:39457",
        taskManagerId: "state-machine-taskmanager-1-1",
        failureLabels: {},
        concurrentExceptions: [],
      }],
      truncated: false,
    });
  });
});

Deno.test("exceptions: 2.x JSON (endpoint, labels, concurrent exceptions, truncated)", async () => {
  await withFakeFlink((f) => {
    f.on("GET", `/jobs/${JOB_ID}/exceptions`, { json: EXCEPTIONS_2_X });
  }, async (f) => {
    const result = await f.client().exceptions(JOB_ID, 5);
    assert.equal(result.truncated, true);
    assert.equal(result.entries.length, 1);
    const [entry] = result.entries;
    assert.equal(entry.exceptionName, "org.apache.flink.util.FlinkException");
    assert.equal(entry.endpoint, "10.244.0.9:41234");
    assert.deepEqual(entry.failureLabels, { type: "system", retriable: "true" });
    assert.equal(entry.concurrentExceptions.length, 1);
    assert.equal(entry.concurrentExceptions[0].exceptionName, "java.io.IOException");
    assert.equal(entry.concurrentExceptions[0].endpoint, "10.244.0.8:41234");
  });
});

Deno.test("executionResult yields the failure cause of a failed job", async () => {
  await withFakeFlink((f) => {
    f.on("GET", `/jobs/${JOB_ID}/execution-result`, { json: EXECUTION_RESULT_FAILED });
    f.on("GET", `/jobs/${OTHER_JOB_ID}/execution-result`, {
      json: { status: { id: "IN_PROGRESS" } },
    });
  }, async (f) => {
    const client = f.client();
    const result = await client.executionResult(JOB_ID);
    assert.equal(result.state, "COMPLETED");
    if (result.state !== "COMPLETED") return;
    assert.equal(result.applicationStatus, "FAILED");
    assert.equal(result.netRuntimeMs, 5230);
    assert.equal(
      result.failure,
      "org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy",
    );
    assert.match(result.stackTrace!, /Caused by: java.lang.RuntimeException: boom$/);
    assert.deepEqual(await client.executionResult(OTHER_JOB_ID), { state: "IN_PROGRESS" });
  });
});

Deno.test("metrics are requested with ?get= and returned by name", async () => {
  await withFakeFlink((f) => {
    f.on("GET", `/jobs/${JOB_ID}/metrics`, {
      json: [{ id: "numRestarts", value: "3" }, {
        id: "numberOfCompletedCheckpoints",
        value: "17",
      }],
    });
  }, async (f) => {
    const names = ["fullRestarts", "numRestarts", "numberOfCompletedCheckpoints"];
    const values = await f.client().metrics(JOB_ID, names);
    assert.deepEqual(values, { numRestarts: "3", numberOfCompletedCheckpoints: "17" });
    assert.equal(
      f.only("GET", `/jobs/${JOB_ID}/metrics`).query.get("get"),
      "fullRestarts,numRestarts,numberOfCompletedCheckpoints",
    );
  });
});

Deno.test("resource requirements round-trip for in-place rescaling", async () => {
  const vertex = "cbc357ccb763df2852fee8c4fc7d55f2";
  await withFakeFlink((f) => {
    f.on("GET", `/jobs/${JOB_ID}/resource-requirements`, {
      json: { [vertex]: { parallelism: { lowerBound: 1, upperBound: 2 } } },
    });
    f.on("PUT", `/jobs/${JOB_ID}/resource-requirements`, { json: {} });
  }, async (f) => {
    const client = f.client();
    assert.deepEqual(await client.resourceRequirements(JOB_ID), {
      [vertex]: { lowerBound: 1, upperBound: 2 },
    });
    await client.updateResourceRequirements(JOB_ID, { [vertex]: { lowerBound: 1, upperBound: 4 } });
    assert.deepEqual(f.only("PUT", `/jobs/${JOB_ID}/resource-requirements`).json, {
      [vertex]: { parallelism: { lowerBound: 1, upperBound: 4 } },
    });
  });
});

Deno.test("a 2xx answer without the promised field is an error", async () => {
  await withFakeFlink((f) => f.on("GET", `/jobs/${JOB_ID}/status`, { json: {} }), async (f) => {
    await assert.rejects(f.client().jobStatus(JOB_ID), /unexpected response, expected status/);
  });
});
