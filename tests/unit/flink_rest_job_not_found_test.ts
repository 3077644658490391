/**
 * A job Flink does not know, as real Flink (1.20, 2.2) says it: `GET /jobs/:id/status` answers a
 * 500 naming FlinkJobNotFoundException, not a 404 — e.g. for a job that disappeared while it was
 * being cancelled.
 */
import assert from "node:assert/strict";
import {
  FlinkRestError,
  FlinkUnreachableError,
  isJobNotFound,
} from "../../lib/flink/rest/errors.ts";
import { awaitJobEnd } from "../../lib/flink/rest/job_end.ts";
import { withFakeFlink } from "./flink_rest_fake_server.ts";
import { JOB_ID } from "./flink_rest_fixtures.ts";

/** `GET /jobs/:id/status` of a job Flink does not know, as Flink 1.20 and 2.2 answer it. */
const STATUS_OF_UNKNOWN_JOB = {
  status: 500,
  json: {
    errors: [
      "Internal server error.",
      "<Exception on server side:\norg.apache.flink.runtime.messages.FlinkJobNotFoundException: " +
      `Could not find Flink job (${JOB_ID})\n\tat org.apache.flink.runtime.dispatcher.Dispatcher` +
      ".lambda$requestJobStatus$20(Dispatcher.java:1016)\n\nEnd of exception on server side>",
    ],
  },
};

const OTHER_500 = {
  status: 500,
  json: {
    errors: [
      "Internal server error.",
      "<Exception on server side:\njava.util.concurrent.TimeoutException: Invocation timed out\n" +
      "\tat x\n\nEnd of exception on server side>",
    ],
  },
};

const POLL = { intervalMs: 5, timeoutMs: 5_000 };

function restError(reply: { status: number; json: { errors: string[] } }): FlinkRestError {
  return new FlinkRestError(reply.status, reply.json.errors, "GET", "/v1/x", "test");
}

Deno.test("job not found: a 404, or the 500 naming FlinkJobNotFoundException", () => {
  assert.ok(isJobNotFound(restError(STATUS_OF_UNKNOWN_JOB)));
  assert.ok(isJobNotFound(restError({ status: 404, json: { errors: ["Job not found"] } })));
  assert.ok(!isJobNotFound(restError(OTHER_500)));
  assert.ok(!isJobNotFound(new FlinkUnreachableError("connection refused", "test")));
  assert.ok(!isJobNotFound(new Error("FlinkJobNotFoundException")), "only Flink's answers");
});

Deno.test("waiting for a job's end: its terminal state, or undefined once Flink forgets it", async () => {
  let polls = 0;
  await withFakeFlink((f) => {
    f.on("GET", `/jobs/${JOB_ID}/status`, () => {
      polls++;
      return { json: { status: polls < 3 ? "CANCELLING" : "CANCELED" } };
    });
  }, async (f) => {
    assert.equal(await awaitJobEnd(f.client(), JOB_ID, POLL), "CANCELED");
    assert.equal(polls, 3);
  });
  // The job disappeared while it was being cancelled: Flink's 500, not a 404.
  await withFakeFlink((f) => {
    f.on("GET", `/jobs/${JOB_ID}/status`, STATUS_OF_UNKNOWN_JOB);
  }, async (f) => {
    assert.equal(await awaitJobEnd(f.client(), JOB_ID, POLL), undefined);
  });
  // Any other error is still an error.
  await withFakeFlink((f) => {
    f.on("GET", `/jobs/${JOB_ID}/status`, OTHER_500);
  }, async (f) => {
    await assert.rejects(
      awaitJobEnd(f.client(), JOB_ID, POLL),
      (err: unknown) => err instanceof FlinkRestError && err.status === 500,
    );
  });
});
