import assert from "node:assert/strict";
import {
  buildErrorJson,
  errorMessageOf,
  serializeErrorJson,
} from "../../lib/flink/spec/error_json.ts";
import { redactSecretText } from "../../lib/flink/spec/redact_text.ts";

class UpgradeFailureException extends Error {
  override name = "UpgradeFailureException";
}

class FlinkRestError extends Error {
  override name = "FlinkRestError";
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

Deno.test("serializeErrorJson: FKO's shape, keys in order, absent keys left out", () => {
  const json = serializeErrorJson(new UpgradeFailureException("Manual restore required."));
  assert.equal(
    json,
    '{"type":"org.apache.flink.kubernetes.operator.exception.UpgradeFailureException",' +
      '"message":"Manual restore required.","additionalMetadata":{},"throwableList":[]}',
  );
});

Deno.test("buildErrorJson: causes go to throwableList, limited in number", () => {
  const root = new Error("connection refused");
  const middle = new Error("cannot reach JobManager", { cause: root });
  const top = new Error("reconcile failed", { cause: middle });
  assert.deepEqual(buildErrorJson(top), {
    type: "Error",
    message: "reconcile failed",
    additionalMetadata: {},
    throwableList: [
      { type: "Error", message: "cannot reach JobManager", additionalMetadata: {} },
      { type: "Error", message: "connection refused", additionalMetadata: {} },
    ],
  });
  const one = buildErrorJson(top, { limits: { throwableListMaxCount: 1 } });
  assert.equal(one.throwableList.length, 1);
  const none = buildErrorJson(top, { limits: { throwableListMaxCount: 0 } });
  assert.deepEqual(none.throwableList, []);
});

Deno.test("buildErrorJson: cause cycles end the chain", () => {
  const a = new Error("a");
  const b = new Error("b", { cause: a });
  (a as { cause?: unknown }).cause = b;
  assert.equal(
    buildErrorJson(a, { limits: { throwableListMaxCount: 10 } }).throwableList.length,
    1,
  );
});

Deno.test("buildErrorJson: field lengths are limited", () => {
  const json = buildErrorJson(new Error("x".repeat(5000)), { limits: { fieldMaxLength: 100 } });
  assert.equal(json.message?.length, 100);
  const defaults = buildErrorJson(new Error("x".repeat(5000)));
  assert.equal(defaults.message?.length, 2048);
});

Deno.test("buildErrorJson: stack trace only when enabled, limited separately", () => {
  const error = new Error("boom");
  assert.equal(buildErrorJson(error).stackTrace, undefined);
  const withStack = buildErrorJson(error, {
    limits: { stackTraceEnabled: true, stackTraceMaxLength: 20 },
  });
  assert.equal(withStack.stackTrace?.length, 20);
  assert.ok(withStack.stackTrace?.startsWith("Error: boom"));
});

Deno.test("buildErrorJson: reason, HTTP code and labels in additionalMetadata", () => {
  const deploymentFailure = buildErrorJson(new Error("back-off restarting failed container"), {
    reason: "CrashLoopBackOff",
  });
  assert.deepEqual(deploymentFailure.additionalMetadata, { reason: "CrashLoopBackOff" });

  const rest = buildErrorJson(
    new Error("submit failed", { cause: new FlinkRestError(404, "nope") }),
  );
  assert.deepEqual(rest.additionalMetadata, {});
  assert.deepEqual(rest.throwableList[0].additionalMetadata, { httpResponseCode: 404 });
  assert.deepEqual(buildErrorJson(new FlinkRestError(500, "x")).additionalMetadata, {
    httpResponseCode: 500,
  });
  assert.deepEqual(buildErrorJson(new Error("x"), { httpResponseCode: 409 }).additionalMetadata, {
    httpResponseCode: 409,
  });

  const labelled = buildErrorJson(
    new Error("job failed", { cause: new Error("Heartbeat of TaskManager timed out") }),
    {
      labels: ["manual"],
      labelMapper: {
        ".*Heartbeat of TaskManager timed out.*": "RECOVERABLE",
        "OOM": "MEMORY",
        "(": "bad",
      },
    },
  );
  assert.deepEqual(labelled.additionalMetadata, { labels: ["manual", "RECOVERABLE"] });
});

Deno.test("buildErrorJson: non-Error values and type override", () => {
  assert.deepEqual(buildErrorJson("plain failure"), {
    type: "string",
    message: "plain failure",
    additionalMetadata: {},
    throwableList: [],
  });
  assert.equal(
    buildErrorJson(new Error("x"), { type: "com.example.Custom" }).type,
    "com.example.Custom",
  );
});

Deno.test("buildErrorJson: secrets never reach the document", () => {
  const error = new Error(
    "submit failed: s3.secret-key=AKIAXYZ, password: hunter2 at https://user:pa55@minio:9000/b",
    { cause: new Error('{"token":"abc123","region":"eu"}') },
  );
  const text = serializeErrorJson(error, {
    reason: "auth.token=zzz",
    limits: { stackTraceEnabled: true },
  });
  for (const secret of ["AKIAXYZ", "hunter2", "pa55", "abc123", "zzz"]) {
    assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
  }
  assert.ok(text.includes("eu"));
});

Deno.test("errorMessageOf: message of an error document, or the plain text", () => {
  assert.equal(errorMessageOf(undefined), undefined);
  assert.equal(errorMessageOf(""), undefined);
  assert.equal(errorMessageOf(serializeErrorJson(new Error("boom"))), "boom");
  assert.equal(errorMessageOf("Job Not Found"), "Job Not Found");
  assert.equal(errorMessageOf("{not json"), "{not json");
  assert.equal(
    errorMessageOf('{"type":"java.lang.NullPointerException"}'),
    "java.lang.NullPointerException",
  );
  // What the Java operator writes.
  assert.equal(
    errorMessageOf(
      '{"type":"org.apache.flink.kubernetes.operator.exception.ReconciliationException",' +
        '"message":"java.lang.RuntimeException: failed","additionalMetadata":{},' +
        '"throwableList":[]}',
    ),
    "java.lang.RuntimeException: failed",
  );
});

const REDACTION_CASES: [string, string][] = [
  ["password=hunter2", "password=******"],
  ["s3.secret-key: abc", "s3.secret-key: ******"],
  ['{"apiKey":"abc","name":"x"}', '{"apiKey":"******","name":"x"}'],
  ["token='abc def'", "token='******'"],
  ["-Dssl.keystore.password=changeit -Dfoo=bar", "-Dssl.keystore.password=****** -Dfoo=bar"],
  ["jdbc://admin:s3cret@db:5432/x", "jdbc://admin:******@db:5432/x"],
  ["state.checkpoints.dir: s3://b/c", "state.checkpoints.dir: s3://b/c"],
  ["http://jobmanager:8081/jobs", "http://jobmanager:8081/jobs"],
];

for (const [input, expected] of REDACTION_CASES) {
  Deno.test(`redactSecretText: ${input}`, () => {
    assert.equal(redactSecretText(input), expected);
  });
}
