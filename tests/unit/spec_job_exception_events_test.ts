import assert from "node:assert/strict";
import type { JobExceptionEntry } from "../../lib/flink/rest/exception_history.ts";
import {
  exceptionEventAnnotations,
  exceptionEventKey,
  exceptionEventMessage,
  exceptionsToReport,
  initialCursor,
  javaInstantText,
  lastReportedException,
  MAX_EVENT_AGE_MS,
} from "../../lib/flink/spec/job_exception_events.ts";

function entry(timestamp: number, extra: Partial<JobExceptionEntry> = {}): JobExceptionEntry {
  return {
    exceptionName: "java.lang.RuntimeException",
    stacktrace: `java.lang.RuntimeException: failure at ${timestamp}\n\tat a.B.c(B.java:1)`,
    timestamp,
    failureLabels: {},
    concurrentExceptions: [],
    ...extra,
  };
}

Deno.test("JobException message: the first lines of the stack trace, then how many more", () => {
  const trace = "java.io.IOException: disk\n\tat a.B.c(B.java:1)\n\tat a.B.d(B.java:2)\n" +
    "Caused by: x.Y: z\n\t... 2 more\n";
  assert.equal(
    exceptionEventMessage(trace, 2),
    "java.io.IOException: disk\n\tat a.B.c(B.java:1)\n... (3 more lines)",
  );
  // All lines fit: nothing appended; a trailing newline does not count as a line (Java split).
  assert.equal(exceptionEventMessage(trace, 5), trace.trim());
  assert.equal(exceptionEventMessage(trace, 0), "... (5 more lines)");
  assert.equal(exceptionEventMessage("", 5), "");
  assert.equal(exceptionEventMessage(undefined, 5), "");
});

Deno.test("JobException key: FKO's hex of Objects.hash(message)", () => {
  // Objects.hash("abc") = 31 + "abc".hashCode() = 31 + 96354 = 96385.
  assert.equal(exceptionEventKey("abc"), "jobmanager-exception-17881");
  // A negative hash prints as its unsigned 32-bit value, as Integer.toHexString does.
  // "polygenelubricants".hashCode() is Integer.MIN_VALUE; + 31 stays negative.
  assert.equal(exceptionEventKey("polygenelubricants"), "jobmanager-exception-8000001f");
  assert.notEqual(exceptionEventKey("a"), exceptionEventKey("b"));
});

Deno.test("JobException annotations: time, task, endpoint, TaskManager, labels, sanitised", () => {
  const annotations = exceptionEventAnnotations(entry(Date.UTC(2024, 0, 2, 3, 4, 5, 60), {
    taskName: "Source: x (1/2)\n#0",
    endpoint: "10.0.0.1:6121",
    taskManagerId: "tm-1",
    failureLabels: { type: "user", "bad key!": "dropped" },
  }));
  assert.deepEqual(annotations, {
    "exception-timestamp": "2024-01-02T03:04:05.060Z",
    "task-name": "Source: x (1/2) #0",
    "endpoint": "10.0.0.1:6121",
    "tm-id": "tm-1",
    "failure-label-type": "user",
  });
  assert.deepEqual(exceptionEventAnnotations(entry(Date.UTC(2024, 0, 2))), {
    "exception-timestamp": "2024-01-02T00:00:00Z",
  });
});

Deno.test("Java Instant text: milliseconds only when there are some", () => {
  assert.equal(javaInstantText(0), "1970-01-01T00:00:00Z");
  assert.equal(javaInstantText(1), "1970-01-01T00:00:00.001Z");
});

Deno.test("exceptions to report: newer than the last reported, newest first, at most the limit", () => {
  const entries = [entry(10), entry(40), entry(30), entry(20)];
  assert.deepEqual(
    exceptionsToReport(entries, 15, 10).report.map((e) => e.timestamp),
    [40, 30, 20],
  );
  const limited = exceptionsToReport(entries, -Infinity, 2);
  assert.deepEqual(limited.report.map((e) => e.timestamp), [40, 30]);
  assert.equal(limited.truncated, true);
  assert.deepEqual(exceptionsToReport(entries, 40, 10), { report: [], truncated: false });
  assert.deepEqual(exceptionsToReport(entries, 15, 0).report, []);
});

Deno.test("initial cursor: nothing, old history, or what events say", async () => {
  const now = 10 * MAX_EVENT_AGE_MS;
  const noEvents = () => Promise.resolve(undefined);
  assert.equal(await initialCursor(undefined, now, noEvents), -Infinity);
  // The newest exception is older than events live: taken as reported, events not even read.
  const old = now - MAX_EVENT_AGE_MS - 1;
  const unread = () => Promise.reject(new Error("must not be asked"));
  assert.equal(await initialCursor(old, now, unread), old);
  // Recent exceptions: the events' newest timestamp, else the last 30 minutes are reported.
  assert.equal(await initialCursor(now - 5, now, () => Promise.resolve(now - 100)), now - 100);
  assert.equal(await initialCursor(now - 5, now, noEvents), now - MAX_EVENT_AGE_MS);
});

Deno.test("last reported exception: the newest exception-timestamp of JobException events", () => {
  assert.equal(lastReportedException([]), undefined);
  assert.equal(
    lastReportedException([
      {
        reason: "JobException",
        metadata: { annotations: { "exception-timestamp": "2024-01-02T00:00:00Z" } },
      },
      {
        reason: "JobException",
        metadata: { annotations: { "exception-timestamp": "2024-01-03T00:00:00.500Z" } },
      },
      // Other reasons do not count, whatever they carry.
      {
        reason: "Error",
        metadata: { annotations: { "exception-timestamp": "2025-01-01T00:00:00Z" } },
      },
      // Without the annotation, the event's creation time stands in (as FKO).
      { reason: "JobException", metadata: { creationTimestamp: "2024-01-01T00:00:00Z" } },
    ]),
    Date.UTC(2024, 0, 3, 0, 0, 0, 500),
  );
});
