/**
 * JobException events and the failure of a FAILED job in status.error (FKO JobStatusObserver),
 * on the simulator: each entry of the job's exception history becomes one event, once — also after
 * the operator restarts —, at most `events.exceptions.limit-per-reconciliation` per pass with
 * `events.exceptions.stacktrace-lines` lines; a FAILED job's status.error carries Flink's cause
 * chain and the labels of `exception.label.mapper`.
 */
import assert from "node:assert/strict";
import { FlinkDeployments } from "../../lib/flink/resources.ts";
import { exceptionEventKey } from "../../lib/flink/spec/job_exception_events.ts";
import type { KubeClient } from "../../lib/kube/client.ts";
import { type KubeObject, Resources } from "../../lib/kube/resource.ts";
import { eventName } from "../../lib/runtime/events.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import {
  application,
  eventsFor,
  getFd,
  isRunningStable,
  jobManagerUrl,
  waitForFd,
} from "../support/flink.ts";

const RESTARTS = "sim.flinkop.dev/job-restarts";

interface CoreEvent extends KubeObject {
  reason: string;
  message: string;
  type: string;
  count?: number;
  source?: { component?: string };
}

async function jobExceptionEvents(client: KubeClient, ns: string, name: string) {
  const list = await client.list<CoreEvent>(Resources.events, ns, {
    fieldSelector: `involvedObject.name=${name}`,
  });
  return list.items.filter((e) => e.reason === "JobException");
}

/** The simulator's message for its n-th injected failover. */
const failover = (n: number, of: number) =>
  `java.lang.RuntimeException: Simulated task failure ${n} of ${of} (job-restarts)`;

async function setRestarts(client: KubeClient, ns: string, name: string, n: number) {
  await client.patch(FlinkDeployments, ns, name, {
    metadata: { annotations: { [RESTARTS]: String(n) } },
  });
}

integrationTest(
  "JobException events: every failover of the job once, also after the operator restarts",
  async ({ client, ns }) => {
    let op = await startOperator(client, ns);
    try {
      await client.create(FlinkDeployments, ns, application(ns, "flaky"));
      const fd = await waitForFd(client, ns, "flaky", "running", isRunningStable);
      await setRestarts(client, ns, "flaky", 3);
      const events = await waitFor("three JobException events", async () => {
        const found = await jobExceptionEvents(client, ns, "flaky");
        return found.length >= 3 ? found : undefined;
      });
      assert.equal(events.length, 3, JSON.stringify(events.map((e) => e.message)));
      for (let n = 1; n <= 3; n++) {
        const event = events.find((e) => e.message.startsWith(failover(n, 3)));
        assert.ok(event, `failover ${n}: ${JSON.stringify(events.map((e) => e.message))}`);
        assert.equal(event.type, "Warning");
        assert.equal(event.count, 1);
        assert.equal(event.source?.component, "Job");
        // The whole (two-line) stack trace fits the default five lines.
        assert.match(event.message, /\n\tat org\.apache\.flink\.sim\./);
        assert.doesNotMatch(event.message, /more lines/);
        assert.match(
          event.metadata.annotations?.["exception-timestamp"] ?? "",
          /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/,
        );
        // FKO's event name, so FKO and flinkop continue each other's events.
        assert.equal(
          event.metadata.name,
          eventName(fd, {
            type: "Warning",
            reason: "JobException",
            message: event.message,
            messageKey: exceptionEventKey(event.message),
            component: "Job",
          }),
        );
      }

      // A new operator process knows nothing in memory; the events say what was reported.
      await op.stop();
      op = await startOperator(client, ns);
      await setRestarts(client, ns, "flaky", 4);
      const after = await waitFor("the fourth failover's event", async () => {
        const found = await jobExceptionEvents(client, ns, "flaky");
        return found.some((e) => e.message.startsWith(failover(4, 4))) ? found : undefined;
      });
      assert.equal(after.length, 4, JSON.stringify(after.map((e) => e.message)));
      for (const event of after) assert.equal(event.count, 1, event.message);
      const latest = await getFd(client, ns, "flaky");
      assert.equal(latest!.status!.jobStatus!.jobId, fd.status!.jobStatus!.jobId);
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "JobException events: the newest up to events.exceptions.limit-per-reconciliation, trimmed to stacktrace-lines",
  async ({ client, ns }) => {
    const settings = {
      "kubernetes.operator.events.exceptions.limit-per-reconciliation": "2",
      "kubernetes.operator.events.exceptions.stacktrace-lines": "1",
    };
    let op = await startOperator(client, ns, settings);
    try {
      await client.create(FlinkDeployments, ns, application(ns, "burst"));
      const fd = await waitForFd(client, ns, "burst", "running", isRunningStable);
      const jobId = fd.status!.jobStatus!.jobId!;
      // Four failovers while no operator watches: the next pass finds them all at once.
      await op.stop();
      await setRestarts(client, ns, "burst", 4);
      const url = await jobManagerUrl(client, ns, "burst");
      await waitFor("four entries in the exception history", async () => {
        const res = await fetch(`${url}/v1/jobs/${jobId}/exceptions`);
        const body = await res.json() as { exceptionHistory: { entries: unknown[] } };
        return body.exceptionHistory.entries.length === 4;
      });
      op = await startOperator(client, ns, settings);
      const events = await waitFor("JobException events", async () => {
        const found = await jobExceptionEvents(client, ns, "burst");
        return found.length >= 2 ? found : undefined;
      });
      assert.deepEqual(
        events.map((e) => e.message).sort(),
        [
          `${failover(3, 4)}\n... (1 more lines)`,
          `${failover(4, 4)}\n... (1 more lines)`,
        ],
      );
      // The two left out are never reported later: the next event is the next failover's.
      await setRestarts(client, ns, "burst", 5);
      const later = await waitFor("the fifth failover's event", async () => {
        const found = await jobExceptionEvents(client, ns, "burst");
        return found.some((e) => e.message.startsWith(failover(5, 5))) ? found : undefined;
      });
      assert.equal(later.length, 3, JSON.stringify(later.map((e) => e.message)));
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "a FAILED job: Flink's cause chain and exception.label.mapper labels in status.error",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "doomed", {
          flinkConfiguration: {
            "restart-strategy.type": "none",
            "kubernetes.operator.exception.label.mapper":
              "tolerable failure threshold:checkpointing,OutOfMemoryError:memory",
          },
        }),
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
      assert.equal(doc.type, "org.apache.flink.runtime.JobException");
      assert.match(doc.message, /Recovery is suppressed by NoRestartBackoffTimeStrategy/);
      assert.deepEqual(doc.additionalMetadata.labels, ["checkpointing"]);
      assert.equal(doc.throwableList.length, 1);
      assert.equal(doc.throwableList[0].type, "org.apache.flink.util.FlinkRuntimeException");
      assert.match(doc.throwableList[0].message, /latest checkpoint failed due to disk full/);

      // And a Warning event with the failure and its root cause.
      const events = await eventsFor(client, ns, "doomed");
      const error = events.find((e) =>
        e.reason === "Error" && /Recovery is suppressed/.test(e.message)
      );
      assert.ok(error, JSON.stringify(events.map((e) => [e.reason, e.message])));
      assert.match(error.message, /root cause: .*disk full/);
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "exception.label.mapper labels a reconcile error too (a crash-looping JobManager)",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      const obj = application(ns, "crashy", {
        flinkConfiguration: {
          "kubernetes.operator.exception.label.mapper": "simulated JobManager crash:jm-crash",
        },
      });
      obj.metadata.annotations = { "sim.flinkop.dev/jobmanager-crash": "true" };
      await client.create(FlinkDeployments, ns, obj);
      const fd = await waitForFd(
        client,
        ns,
        "crashy",
        "JobManager ERROR",
        (f) => f.status?.jobManagerDeploymentStatus === "ERROR" && !!f.status?.error,
        120_000,
      );
      const error = JSON.parse(fd.status!.error!);
      assert.equal(error.additionalMetadata.reason, "CrashLoopBackOff");
      assert.deepEqual(error.additionalMetadata.labels, ["jm-crash"], fd.status!.error!);
    } finally {
      await op.stop();
    }
  },
);
