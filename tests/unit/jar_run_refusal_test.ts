/**
 * A jar run refused because the job failed while it started: Flink answers 400 "Could not execute
 * application." with the reason as the innermost cause of a long stack trace (Flink 1.20, 2.2).
 */
import assert from "node:assert/strict";
import { FlinkRestError, FlinkUnreachableError } from "../../lib/flink/rest/errors.ts";
import { jarRunRefusal } from "../../lib/flink/rest/jar_run_refusal.ts";
import { serializeErrorJson } from "../../lib/flink/spec/error_json.ts";
import { JOB_ID } from "./flink_rest_fixtures.ts";

const SERVER_ERROR = new FlinkRestError(
  500,
  ["Internal server error.", "<Exception on server side:\njava.util.concurrent.TimeoutException"],
  "POST",
  "/v1/jars/a/run",
  "test",
);

const MISSING = "file:/flink-data/savepoints/savepoint-gone";

/** The jar run's 400 for a job restoring from a missing savepoint, shaped as Flink 1.20's. */
const JAR_RUN_MISSING_SAVEPOINT = [
  "org.apache.flink.runtime.rest.handler.RestHandlerException: Could not execute application.",
  "\tat org.apache.flink.runtime.webmonitor.handlers.JarRunHandler.lambda$handleRequest$1" +
  "(JarRunHandler.java:114)",
  "Caused by: java.util.concurrent.CompletionException: org.apache.flink.util." +
  "FlinkRuntimeException: Could not execute application.",
  "\t... 2 more",
  "Caused by: org.apache.flink.util.FlinkRuntimeException: Could not execute application.",
  "\t... 3 more",
  "Caused by: org.apache.flink.client.program.ProgramInvocationException: The main method " +
  "caused an error: Failed to execute job 'counter'.",
  "\t... 4 more",
  "Caused by: org.apache.flink.util.FlinkException: Failed to execute job 'counter'.",
  "\t... 5 more",
  "Caused by: java.lang.RuntimeException: org.apache.flink.runtime.client." +
  "JobInitializationException: Could not start the JobMaster.",
  "\t... 6 more",
  "Caused by: org.apache.flink.runtime.client.JobInitializationException: Could not start the " +
  "JobMaster.",
  "\t... 7 more",
  "Caused by: java.io.FileNotFoundException: Cannot find checkpoint or savepoint file/directory " +
  `'${MISSING}' on file system 'file'.`,
  "\t... 8 more",
].join("\n");

Deno.test("a refused jar run names Flink's root cause, and keeps the REST error as cause", () => {
  const rest = new FlinkRestError(400, [JAR_RUN_MISSING_SAVEPOINT], "POST", "/v1/jars/a/run", "t");
  assert.match(rest.message, /HTTP 400: .*Could not execute application\.$/, "the raw error");
  const refusal = jarRunRefusal(rest, { jobId: JOB_ID, cluster: "session" });
  assert.ok(refusal instanceof Error);
  assert.equal(
    refusal.message,
    `Session cluster session could not start job ${JOB_ID}: Could not execute application. ` +
      "(root cause: java.io.FileNotFoundException: Cannot find checkpoint or savepoint " +
      `file/directory '${MISSING}' on file system 'file'.)`,
  );
  assert.equal(refusal.cause, rest);
  // status.error as FKO shapes it for a failed jar run: FlinkRuntimeException, the 400 below.
  const json = JSON.parse(serializeErrorJson(refusal));
  assert.equal(json.type, "org.apache.flink.util.FlinkRuntimeException");
  assert.match(json.message, /root cause: java\.io\.FileNotFoundException: Cannot find/);
  assert.equal(json.throwableList[0].additionalMetadata.httpResponseCode, 400);
});

Deno.test("a jar run refused without a stack trace, and other errors, stay what they are", () => {
  const plain = new FlinkRestError(400, ["Jar file /tmp/x.jar does not exist"], "POST", "/", "t");
  const refusal = jarRunRefusal(plain, { jobId: JOB_ID, cluster: "s" }) as Error;
  assert.equal(
    refusal.message,
    `Session cluster s could not start job ${JOB_ID}: Jar file /tmp/x.jar does not exist`,
  );
  assert.equal(jarRunRefusal(SERVER_ERROR, { cluster: "s" }), SERVER_ERROR);
  const away = new FlinkUnreachableError("connection refused", "t");
  assert.equal(jarRunRefusal(away, { cluster: "s" }), away);
});
