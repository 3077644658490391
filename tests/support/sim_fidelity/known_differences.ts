/**
 * The differences between the simulator and real Flink that the fidelity test accepts, each with
 * its reason. One list, mirrored in docs/simulator.md ("Fidelity"): a difference that is fixed
 * must leave both (the test fails on an entry that no longer shows).
 */
import type { KnownDifference } from "./compare.ts";

export const KNOWN_DIFFERENCES: readonly KnownDifference[] = [
  {
    step: "GET /jobs/:jobid",
    path: "$.plan.nodes[].inputs",
    sim: "absent",
    real: "array",
    reason:
      "The simulated job is one vertex (a source chained to its sink); Flink lists `inputs` " +
      "only for a vertex with an upstream vertex, and the counter job has two. The operator " +
      "does not read the plan.",
  },
];
