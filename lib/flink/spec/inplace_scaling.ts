/**
 * In-place rescaling decisions (FKO NativeFlinkService.scale / supportsInPlaceScaling): whether a
 * SCALE change may go through Flink's resource-requirements API, and the requirements to send.
 * Pure; the REST calls are in lib/flink/job/inplace_scaling.ts.
 */
import {
  type FlinkJobState,
  type FlinkVersion,
  isFlinkVersionAtLeast,
  isGloballyTerminal,
} from "../../api/enums.ts";
import type { ResourceRequirements } from "../rest/client.ts";

/** `pipeline.jobvertex-parallelism-overrides`: vertex id → parallelism. */
export const PARALLELISM_OVERRIDES = "pipeline.jobvertex-parallelism-overrides";

export interface InPlaceScalingConditions {
  /** The resource runs a job (session clusters have none). */
  readonly hasJob: boolean;
  /** `kubernetes.operator.job.upgrade.inplace-scaling.enabled`. */
  readonly enabled: boolean;
  readonly flinkVersion: FlinkVersion | undefined;
  /** `jobmanager.scheduler` of the job's cluster. */
  readonly scheduler: string | undefined;
  /** `status.jobStatus.state`. */
  readonly jobState: FlinkJobState | string | undefined;
}

/**
 * Why the change cannot be applied in place, or undefined when it may be tried: a job, the option
 * on, Flink 1.18 or newer, the adaptive scheduler, and a job that is neither over nor being
 * reconciled.
 */
export function inPlaceScalingUnsupported(c: InPlaceScalingConditions): string | undefined {
  if (!c.hasJob || !c.enabled) return "in-place scaling is disabled";
  if (!c.flinkVersion || !isFlinkVersionAtLeast(c.flinkVersion, "v1_18")) {
    return "in-place scaling needs Flink 1.18 or newer";
  }
  if ((c.scheduler ?? "").trim().toLowerCase() !== "adaptive") {
    return "in-place scaling needs jobmanager.scheduler: adaptive";
  }
  if (isGloballyTerminal(c.jobState) || c.jobState === "RECONCILING") {
    return `a ${c.jobState} job cannot be scaled in place`;
  }
  return undefined;
}

export type InPlaceScalingPlan =
  /** Fall back to a regular upgrade. */
  | { kind: "redeploy"; reason: string }
  /** The job's requirements already match the overrides: nothing to send. */
  | { kind: "unchanged" }
  /** Send these requirements (every vertex of the job, changed or not). */
  | { kind: "update"; requirements: ResourceRequirements };

/**
 * The new requirements for the job's vertices: a vertex with an override gets it as its upper
 * bound (anything higher would defeat a scale-down), and its lower bound only drops when it would
 * exceed the new upper bound (raising it could fail the job if resources do not come). A vertex
 * whose override was removed cannot be scaled back in place: that is a redeploy.
 */
export function planInPlaceScaling(
  current: ResourceRequirements,
  newOverrides: Readonly<Record<string, string>>,
  previousOverrides: Readonly<Record<string, string>>,
): InPlaceScalingPlan {
  if (Object.keys(newOverrides).length === 0 && Object.keys(previousOverrides).length === 0) {
    return { kind: "redeploy", reason: "no parallelism overrides before or after the change" };
  }
  const requirements: ResourceRequirements = {};
  let changed = false;
  for (const [vertex, bounds] of Object.entries(current)) {
    const override = newOverrides[vertex];
    if (override !== undefined) {
      const upperBound = javaParseInt(override);
      if (upperBound === undefined) {
        return { kind: "redeploy", reason: `parallelism override ${override} is not a number` };
      }
      const lowerBound = Math.min(upperBound, bounds.lowerBound);
      requirements[vertex] = { lowerBound, upperBound };
      if (lowerBound !== bounds.lowerBound || upperBound !== bounds.upperBound) changed = true;
    } else if (previousOverrides[vertex] !== undefined) {
      return { kind: "redeploy", reason: `the parallelism override of ${vertex} was removed` };
    } else {
      requirements[vertex] = { ...bounds };
    }
  }
  return changed ? { kind: "update", requirements } : { kind: "unchanged" };
}

/** Java's Integer.parseInt: an optional sign and decimal digits within 32 bits, nothing else. */
function javaParseInt(text: string): number | undefined {
  if (!/^[+-]?\d+$/.test(text)) return undefined;
  const value = Number(text);
  return value >= -(2 ** 31) && value < 2 ** 31 ? value : undefined;
}
