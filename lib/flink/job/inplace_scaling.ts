/**
 * In-place rescaling (FKO AbstractFlinkResourceReconciler.scale → NativeFlinkService.scale): a
 * spec change of kind SCALE — on a native cluster, a change of
 * `pipeline.jobvertex-parallelism-overrides` alone — is applied to the running job through
 * `PUT /jobs/:id/resource-requirements` (the body built from `GET` of the same endpoint) instead
 * of stopping and restoring it. The job keeps its id and its state; the adaptive scheduler
 * rescales it. Anything that prevents it (an older Flink, another scheduler, the option off, a
 * removed override, a REST failure) falls back to the regular upgrade.
 *
 * The PUT changes nothing that a crash could make unsafe: a pass that runs again after it finds
 * the requirements already at target, and only records the spec.
 */
import { getLogger } from "@logtape/logtape";
import { flattenFlinkConfiguration } from "../../config/flatten.ts";
import { OPTIONS } from "../../config/options.ts";
import { errorMessage } from "../../error_message.ts";
import { decodeFlinkMap } from "../render/flink_structured_value.ts";
import {
  type InPlaceScalingPlan,
  inPlaceScalingUnsupported,
  PARALLELISM_OVERRIDES,
  planInPlaceScaling,
} from "../spec/inplace_scaling.ts";
import { markDeployed, type ReconciledSpec } from "./bookkeeping.ts";
import { event, type JobResourceSpec, type ResourcePass, rest, save } from "./resource_pass.ts";

const log = getLogger(["flinkop", "job", "scaling"]);

/** FKO's Scaling event message. */
export const IN_PLACE_SCALING_MESSAGE = "In-place scaling triggered";

/**
 * Whether the pending SCALE change can go to the running job in place, asked of its JobManager
 * (the job's current resource requirements): `redeploy` (with why) when it needs a regular
 * upgrade, `unchanged` when the job already has the requirements, else the requirements to send.
 * Throws when the JobManager cannot be asked; the controller then upgrades instead.
 */
export async function inPlaceScalingPlan(
  p: ResourcePass,
  rec: ReconciledSpec<JobResourceSpec>,
): Promise<InPlaceScalingPlan> {
  const unsupported = inPlaceScalingPrecondition(p);
  if (unsupported) return { kind: "redeploy", reason: unsupported };
  const newOverrides = overridesOf(p.rc.flat[PARALLELISM_OVERRIDES]);
  const previousOverrides = overridesOf(
    flattenFlinkConfiguration(rec.spec.flinkConfiguration)[PARALLELISM_OVERRIDES] ??
      p.rc.operatorLevel[PARALLELISM_OVERRIDES],
  );
  const current = await (await rest(p)).resourceRequirements(p.status.jobStatus.jobId!);
  return planInPlaceScaling(current, newOverrides, previousOverrides);
}

/**
 * Why the change cannot be applied in place whatever the job's requirements are (option, Flink
 * version, scheduler, job state), or undefined when the JobManager is worth asking.
 */
export function inPlaceScalingPrecondition(p: ResourcePass): string | undefined {
  const js = p.status.jobStatus;
  return inPlaceScalingUnsupported({
    hasJob: p.spec.job !== undefined && js.jobId !== undefined,
    enabled: p.rc.get(OPTIONS.jobUpgradeInplaceScalingEnabled),
    flinkVersion: p.driver.flinkVersion(p),
    scheduler: p.rc.flat["jobmanager.scheduler"],
    jobState: js.state,
  });
}

/**
 * Tries to apply the pending SCALE change in place. True when it was applied (or already was) and
 * the spec recorded as deployed; false when the change needs a regular upgrade.
 */
export async function scaleInPlace(
  p: ResourcePass,
  rec: ReconciledSpec<JobResourceSpec>,
): Promise<boolean> {
  try {
    const plan = await inPlaceScalingPlan(p, rec);
    if (plan.kind === "redeploy") {
      log.info("not scaling in place ({reason}); upgrading instead", { reason: plan.reason });
      return false;
    }
    if (plan.kind === "update") {
      const client = await rest(p);
      await client.updateResourceRequirements(p.status.jobStatus.jobId!, plan.requirements);
      await event(p, {
        type: "Normal",
        reason: "Scaling",
        message: IN_PLACE_SCALING_MESSAGE,
        component: "Job",
      });
    } else {
      log.info("the job's resource requirements already match the spec");
    }
  } catch (err) {
    log.warn("in-place scaling failed, upgrading instead: {error}", { error: errorMessage(err) });
    return false;
  }
  recordScaledSpec(p, rec);
  await save(p, "scaled");
  return true;
}

/**
 * FKO updateStatusForDeployedSpec: the new spec becomes the last reconciled one as it is (its own
 * upgrade mode, its job running), keeping the handled snapshot trigger nonces; errors clear. It
 * is stable once the job is seen running again.
 */
function recordScaledSpec(p: ResourcePass, rec: ReconciledSpec<JobResourceSpec>): void {
  const recorded = structuredClone(p.spec);
  if (recorded.job) {
    recorded.job.savepointTriggerNonce = rec.spec.job?.savepointTriggerNonce;
    recorded.job.checkpointTriggerNonce = rec.spec.job?.checkpointTriggerNonce;
  }
  p.status.error = undefined;
  markDeployed(p, recorded);
}

function overridesOf(text: string | undefined): Record<string, string> {
  return text === undefined || text.trim() === "" ? {} : decodeFlinkMap(text);
}
