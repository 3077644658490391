/**
 * The settings of the JobManager gate (jobmanager_gate.ts). Ours (prefix `flinkop.`; FKO has no
 * such bound: a hanging JobManager holds one of its reconciler threads per request), read from
 * the operator configuration at start.
 */
import { durationOption, intOption } from "../../config/option.ts";

export const JOBMANAGER_MAX_CONCURRENT_REQUESTS = intOption({
  key: "flinkop.rest.jobmanager.max-concurrent-requests",
  default: "4",
  scope: "system",
  description: "REST requests in flight to one JobManager at a time; more wait for a turn " +
    "within their own timeout.",
  effect: { shownBy: ["tests/integration/deployment_hanging_jobmanager_test.ts"] },
});

export const JOBMANAGER_STALL_TIMEOUT = durationOption({
  key: "flinkop.rest.jobmanager.stall-timeout",
  default: "5 s",
  scope: "system",
  description: "A JobManager that answered nothing for this long while requests to it are " +
    "overdue gets no more requests queued: they fail at once as unreachable and are retried.",
  effect: { shownBy: ["tests/unit/flink_rest_jobmanager_gate_test.ts"] },
});
