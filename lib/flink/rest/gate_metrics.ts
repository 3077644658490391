/** The JobManager gate's counts on `/metrics`: REST requests by outcome, in flight, waiting. */
import type { Collector } from "../../runtime/metrics.ts";
import type { JobManagerGate, RequestOutcome } from "./jobmanager_gate.ts";

const OUTCOMES: RequestOutcome[] = ["answered", "unreachable", "timeout", "aborted", "rejected"];

export function jobManagerGateMetrics(gate: JobManagerGate): Collector {
  return {
    render: () =>
      [
        "# HELP flinkop_flink_rest_requests_total REST requests to JobManagers by outcome " +
        "(rejected: not sent because the JobManager stopped answering or no turn came in time).",
        "# TYPE flinkop_flink_rest_requests_total counter",
        ...OUTCOMES.map((o) =>
          `flinkop_flink_rest_requests_total{outcome="${o}"} ${gate.count(o)}`
        ),
        "# HELP flinkop_flink_rest_in_flight REST requests to JobManagers in flight now.",
        "# TYPE flinkop_flink_rest_in_flight gauge",
        `flinkop_flink_rest_in_flight ${gate.inFlight}`,
        "# HELP flinkop_flink_rest_waiting REST requests waiting for their JobManager's turn.",
        "# TYPE flinkop_flink_rest_waiting gauge",
        `flinkop_flink_rest_waiting ${gate.waiting}`,
      ].join("\n"),
  };
}
