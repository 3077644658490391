/**
 * JobException events (FKO JobStatusObserver.observeJobManagerExceptions): each new entry of the
 * job's exception history (`GET /jobs/:id/exceptions`) becomes one Warning event, newest first,
 * at most `kubernetes.operator.events.exceptions.limit-per-reconciliation` per pass, its message
 * the first `events.exceptions.stacktrace-lines` lines of the stack trace.
 *
 * Each exception is reported once. The operator remembers the newest reported exception's time
 * per resource (JobMemory); a new operator process starts from the `exception-timestamp`
 * annotation of the resource's JobException events, which outlive it, so a restart reports
 * nothing twice. A failed observation is only logged: it never fails the pass.
 */
import { getLogger } from "@logtape/logtape";
import { errorMessage } from "../../error_message.ts";
import { Resources } from "../../kube/resource.ts";
import type { FlinkRestClient } from "../rest/client.ts";
import {
  exceptionEventAnnotations,
  exceptionEventKey,
  exceptionEventMessage,
  exceptionsToReport,
  initialCursor,
  lastReportedException,
  newestFirst,
} from "../spec/job_exception_events.ts";
import { type ResourcePass, uidOf } from "./resource_pass.ts";

const log = getLogger(["flinkop", "job", "exceptions"]);

/** The newest exception reported for a resource, and of which job. */
export interface ExceptionCursor {
  jobId: string;
  /** Epoch ms; -Infinity when nothing was reported. */
  lastTimestamp: number;
}

export async function observeJobExceptions(
  p: ResourcePass,
  client: FlinkRestClient,
): Promise<void> {
  const jobId = p.status.jobStatus.jobId;
  if (!jobId) return;
  try {
    await reportNewExceptions(p, client, jobId);
  } catch (err) {
    log.warn("could not observe the job's exceptions: {error}", { error: errorMessage(err) });
  }
}

async function reportNewExceptions(
  p: ResourcePass,
  client: FlinkRestClient,
  jobId: string,
): Promise<void> {
  const { eventsLimitPerReconciliation: limit, eventStackTraceLines: lines } =
    p.env.config.exceptions;
  // One more than the limit tells whether reporting had to leave some out.
  const history = await client.exceptions(jobId, Math.max(0, limit) + 1);
  const entries = newestFirst(history.entries);
  const uid = uidOf(p);
  let cursor = p.memory.exceptionCursors.get(uid);
  if (!cursor) {
    const start = await initialCursor(
      entries[0]?.timestamp,
      p.env.now(),
      () => lastReportedFromEvents(p),
    );
    cursor = { jobId, lastTimestamp: start };
    p.memory.exceptionCursors.set(uid, cursor);
  }
  if (entries.length === 0) return;
  const lastReported = cursor.jobId === jobId ? cursor.lastTimestamp : -Infinity;
  const { report, truncated } = exceptionsToReport(entries, lastReported, limit);
  for (const entry of report) {
    const message = exceptionEventMessage(entry.stacktrace, lines);
    const recorded = await p.ctx.events.record(p.raw, {
      type: "Warning",
      reason: "JobException",
      message,
      component: "Job",
      messageKey: exceptionEventKey(message),
      annotations: exceptionEventAnnotations(entry),
    });
    // Not written: keep the cursor, so the next pass tries again.
    if (!recorded) return;
  }
  if (truncated) {
    log.warn("more than {limit} new job exceptions; only the newest were reported as events", {
      limit,
    });
  }
  p.memory.exceptionCursors.set(uid, { jobId, lastTimestamp: entries[0].timestamp });
}

/**
 * The newest `exception-timestamp` among the resource's JobException events. When they cannot be
 * listed (e.g. RBAC without `list` on events) the recent exceptions are reported rather than none.
 */
async function lastReportedFromEvents(p: ResourcePass): Promise<number | undefined> {
  const uid = p.raw.metadata.uid;
  const fieldSelector = uid
    ? `involvedObject.uid=${uid}`
    : `involvedObject.name=${p.name},involvedObject.kind=${p.kind}`;
  try {
    const list = await p.ctx.client.list<
      { reason?: string; metadata: { annotations?: Record<string, string> } }
    >(Resources.events, p.ns, { fieldSelector });
    return lastReportedException(list.items);
  } catch (err) {
    log.warn("cannot list events to find the job exceptions already reported: {error}", {
      error: errorMessage(err),
    });
    return undefined;
  }
}
