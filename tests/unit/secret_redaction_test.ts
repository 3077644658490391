/**
 * Found by the fuzzer (docs/reliability.md): a malformed `kubernetes.secrets` value was quoted in
 * the error the renderer raised, and reached the operator's log, the `Error` event and
 * `status.error`. The value is now left out where the error is made, and every sink masks a
 * secret value wherever a message repeats it.
 */
import assert from "node:assert/strict";
import { ConfigError } from "../../lib/config/config_error.ts";
import { renderCluster } from "../../lib/flink/render/mod.ts";
import { serializeErrorJson } from "../../lib/flink/spec/error_json.ts";
import { getLogger, resetLogging, setupLogging } from "../../lib/log.ts";
import { redactSecretText } from "../../lib/flink/spec/redact_text.ts";
import { redactSecretValues } from "../../lib/runtime/events.ts";
import { deployConfigOf, exampleDeployment } from "./render_fixtures.ts";

const MARKER = "fzsecret0b864d4ebd865a35";
/** The message the renderer produced before the fix. */
const LEAKY = `kubernetes.secrets: "${MARKER}" is not a map: "${MARKER}" is not a key:value pair`;

Deno.test("a malformed secret-looking option is refused without quoting its value", async () => {
  const d = await exampleDeployment("basic-application.yaml", (raw) => {
    raw.spec.flinkConfiguration = { ...raw.spec.flinkConfiguration, "kubernetes.secrets": MARKER };
  });
  assert.throws(
    () =>
      renderCluster({
        deployment: d,
        deployConfig: deployConfigOf(d),
        generation: 1,
        mode: "native",
        clusterType: "application",
        startupProbe: true,
      }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /^kubernetes\.secrets: "\*\*\*\*\*\*" is not a map/);
      assert.ok(!err.message.includes(MARKER));
      return true;
    },
  );
  // Other keys keep the value in the message: it is what tells the user what to fix.
  assert.match(
    new ConfigError({ key: "rest.port", message: `"abc" is not a number` }).message,
    /"abc"/,
  );
});

Deno.test("status, events and log lines mask a secret value wherever a message repeats it", () => {
  assert.ok(!serializeErrorJson(new Error(LEAKY)).includes(MARKER));
  assert.ok(!redactSecretValues(LEAKY).includes(MARKER));
  const lines: string[] = [];
  setupLogging({ format: "text", write: (line) => lines.push(line) });
  try {
    getLogger("test").warn("reconcile failed: {error}", { error: LEAKY });
  } finally {
    resetLogging();
  }
  assert.equal(lines.length, 1);
  assert.match(lines[0], /reconcile failed: kubernetes\.secrets: /);
  assert.ok(!lines[0].includes(MARKER), lines[0]);
  // Words after `key:` are not secrets to hunt down elsewhere.
  assert.equal(
    redactSecretValues("a key:value pair; the value is odd"),
    "a key:****** pair; the value is odd",
  );
});

Deno.test("text redaction handles 400 kB messages: a huge image name, long pair chains", () => {
  // Found by the fuzzer: a 400 kB image name in a pod's failure message made the former regular
  // expression backtrack quadratically, holding the operator for minutes.
  const image = "x".repeat(400_000);
  const message = `image "${image}" is not runnable; password=${"p".repeat(50_000)} done`;
  const out = redactSecretText(message);
  assert.ok(out.startsWith(`image "${image}" is not runnable; password=******`));
  assert.ok(out.endsWith(" done"));
  assert.equal(redactSecretValues("x=".repeat(100_000)), "x=".repeat(100_000));
  assert.equal(redactSecretText("password=".repeat(10_000)), "password=******");
  assert.equal(redactSecretText('{"apiKey":"abc","name":"x"}'), '{"apiKey":"******","name":"x"}');
  assert.equal(redactSecretText('token: "unterminated'), 'token: "******');
});
