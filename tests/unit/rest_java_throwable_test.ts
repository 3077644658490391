import assert from "node:assert/strict";
import { parseJavaStackTrace } from "../../lib/flink/rest/java_throwable.ts";

Deno.test("Java stack trace: the throwable and its causes, frames and suppressed left out", () => {
  const trace = [
    "org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy",
    "\tat org.apache.flink.runtime.A.b(A.java:1)",
    "\tSuppressed: java.lang.IllegalStateException: ignored",
    "\t\tat x.Y.z(Y.java:3)",
    "\t\tCaused by: java.lang.Error: also ignored",
    "Caused by: java.lang.RuntimeException: first line",
    "second line of the message",
    "\tat c.D.e(D.java:2)",
    "\t... 3 more",
    "Caused by: java.io.FileNotFoundException",
    "\t... 4 more",
  ].join("\n");
  assert.deepEqual(parseJavaStackTrace(trace), [
    {
      className: "org.apache.flink.runtime.JobException",
      message: "Recovery is suppressed by NoRestartBackoffTimeStrategy",
    },
    { className: "java.lang.RuntimeException", message: "first line\nsecond line of the message" },
    { className: "java.io.FileNotFoundException", message: "" },
  ]);
});

Deno.test("Java stack trace: no frames, and text that is not a trace", () => {
  assert.deepEqual(parseJavaStackTrace("java.lang.RuntimeException: boom"), [
    { className: "java.lang.RuntimeException", message: "boom" },
  ]);
  assert.deepEqual(parseJavaStackTrace(""), []);
  assert.deepEqual(parseJavaStackTrace("not a java trace at all"), []);
});
