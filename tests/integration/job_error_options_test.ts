/**
 * The operator's `exception.*` options on a FAILED job's `status.error` (FKO
 * FlinkResourceExceptionUtils): the stack trace only with `exception.stacktrace.enabled`, cut at
 * `exception.stacktrace.max.length`; every type and message cut at `exception.field.max.length`;
 * at most `exception.throwable.list.max.count` causes. With the defaults (no stack trace, 2048
 * characters, 2 causes) tests/integration/job_exceptions_test.ts reads the same failure in full.
 */
import assert from "node:assert/strict";
import { FlinkDeployments } from "../../lib/flink/resources.ts";
import { integrationTest } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import { application, isRunningStable, waitForFd } from "../support/flink.ts";

integrationTest(
  "exception.*: stack trace on and cut, fields cut, causes limited in status.error",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns, {
      "kubernetes.operator.exception.stacktrace.enabled": "true",
      "kubernetes.operator.exception.stacktrace.max.length": "60",
      "kubernetes.operator.exception.field.max.length": "30",
      "kubernetes.operator.exception.throwable.list.max.count": "0",
    });
    try {
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "doomed", { flinkConfiguration: { "restart-strategy.type": "none" } }),
      );
      await waitForFd(client, ns, "doomed", "running", isRunningStable);
      await client.patch(FlinkDeployments, ns, "doomed", {
        metadata: { annotations: { "sim.flinkop.dev/checkpoint-fail": "disk full" } },
      });
      const fd = await waitForFd(
        client,
        ns,
        "doomed",
        "FAILED with an error",
        (f) => f.status?.jobStatus?.state === "FAILED" && (f.status?.error ?? "") !== "",
      );
      const doc = JSON.parse(fd.status!.error!);
      // "org.apache.flink.runtime.JobException" and "Recovery is suppressed by ... (root cause:
      // ...)" in full.
      assert.equal(doc.type, "org.apache.flink.runtime.JobEx");
      assert.equal(doc.message, "Recovery is suppressed by NoRe");
      assert.equal(doc.stackTrace.length, 60, doc.stackTrace);
      assert.match(doc.stackTrace, /^org\.apache\.flink\.runtime\.JobException: Recovery/);
      assert.deepEqual(doc.throwableList, []);
    } finally {
      await op.stop();
    }
  },
);
