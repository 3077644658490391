/**
 * One pass of a FlinkDeployment or FlinkSessionJob controller, as FKO runs it every time:
 * observe → validate → reconcile (reference §3.1). Invalid input never stops the operator from
 * managing what it deployed: the last valid spec is reconciled instead, and the problem is in
 * `status.error` and a `ValidationError` event. Failures that need a person or time (an upgrade
 * that cannot proceed safely, something still being prepared) are recorded, not thrown.
 */
import { getLogger } from "@logtape/logtape";
import {
  FLINK_VERSIONS,
  type FlinkVersion,
  isFlinkVersionAtLeast,
  NEWEST_DEPRECATED_FLINK_VERSION,
  OLDEST_SUPPORTED_FLINK_VERSION,
} from "../../api/enums.ts";
import { errorMessage } from "../../error_message.ts";
import { Action } from "../../runtime/action.ts";
import type { ReconcileContext } from "../../runtime/controller.ts";
import { serializeErrorJson } from "../spec/error_json.ts";
import { formatValidationError, type ValidationIssue } from "../spec/validation_issue.ts";
import { lastReconciled, withJob } from "./bookkeeping.ts";
import { errorJsonOptions } from "./error_options.ts";
import { UpgradeFailure, WaitingFor } from "./errors.ts";
import { event, type RawResource, type ResourcePass, save } from "./resource_pass.ts";

const log = getLogger(["flinkop", "job", "pass"]);

const VALIDATION_EXCEPTION = "org.apache.flink.kubernetes.operator.exception.ValidationException";

export interface PassSteps<P extends ResourcePass> {
  /** Observe phase; an Action ends the pass there (e.g. a failure it recorded itself). */
  observe(p: P): Promise<Action | undefined>;
  /** Problems of the current spec; empty when it is valid. */
  validate(p: P): ValidationIssue[];
  reconcile(p: P): Promise<Action>;
}

export async function runPass<P extends ResourcePass>(p: P, steps: PassSteps<P>): Promise<Action> {
  const observed = await steps.observe(p);
  if (observed) return observed;

  const rec = lastReconciled<P["spec"]>(p);
  const issues = validationIssues(p, steps.validate);
  if (issues.length) {
    const message = formatValidationError(issues);
    await event(p, { type: "Warning", reason: "ValidationError", message });
    p.status.error = serializeErrorJson(new Error(message), { type: VALIDATION_EXCEPTION });
    if (!rec) {
      await save(p);
      return Action.done();
    }
    // Keep managing what was last deployed; the invalid spec is ignored until it is fixed.
    const upgrading = p.status.reconciliationStatus.state === "UPGRADING";
    p.driver.useSpec(p, upgrading ? withJob(rec.spec, { state: "running" }) : rec.spec);
    p.generation = p.status.observedGeneration;
  }
  await save(p);
  try {
    const action = await steps.reconcile(p);
    // FKO patches status at the end of every loop (observedGeneration, conditions); no-op if same.
    await save(p);
    return action;
  } catch (err) {
    if (err instanceof UpgradeFailure || err instanceof WaitingFor) {
      await recordError(p, err);
      return Action.requeue(
        err instanceof WaitingFor
          ? p.env.config.progressCheckIntervalMs
          : p.env.config.reconcileIntervalMs,
      );
    }
    throw err;
  }
}

/** Problems of the pass's spec: the kind's validation and its effective configuration's. */
export function validationIssues<P extends ResourcePass>(
  p: P,
  validate: (p: P) => ValidationIssue[],
): ValidationIssue[] {
  return [
    ...validate(p),
    ...p.rc.problems.map((pr) => ({
      field: `spec.flinkConfiguration.${pr.key}`,
      message: `spec.flinkConfiguration.${pr.key}: ${pr.message}`,
    })),
  ];
}

/**
 * FKO validateSupportedVersion: a Flink version the operator cannot manage (before 1.15) is
 * refused with an `UnsupportedFlinkVersion` event and nothing else happens; a deprecated one
 * (up to 1.18) is only logged. `whose` says where the version comes from.
 */
export async function supportedFlinkVersion(
  p: ResourcePass,
  version: FlinkVersion | undefined,
  whose: string,
): Promise<boolean> {
  if (version === undefined) return true;
  if (!isFlinkVersionAtLeast(version, OLDEST_SUPPORTED_FLINK_VERSION)) {
    await event(p, {
      type: "Warning",
      reason: "UnsupportedFlinkVersion",
      message: `Flink version ${version} of ${whose} is not supported; use ` +
        `${OLDEST_SUPPORTED_FLINK_VERSION} or newer`,
    });
    return false;
  }
  if (!isFlinkVersionAtLeast(version, nextVersion(NEWEST_DEPRECATED_FLINK_VERSION))) {
    log.warn("Flink version {version} of {whose} is deprecated; plan an upgrade", {
      version,
      whose,
    });
  }
  return true;
}

function nextVersion(version: FlinkVersion): FlinkVersion {
  return FLINK_VERSIONS[FLINK_VERSIONS.indexOf(version) + 1] ?? version;
}

export interface ErrorRecording {
  /** Event reason; default from the error. */
  reason?: string;
  /** FKO's event component; default the kind's (JobDriver.errorComponent). */
  component?: string;
  /** FKO exception class in the error JSON. */
  type?: string;
  /** `additionalMetadata.reason` of the error JSON. */
  metadataReason?: string;
}

/**
 * The controllers' one error-to-status hook: FKO's error JSON in `status.error` and an event. A
 * WaitingFor is reported as a Normal `Waiting` event, an UpgradeFailure under its own reason.
 */
export async function recordError(
  p: ResourcePass,
  err: unknown,
  how: ErrorRecording = {},
): Promise<void> {
  const error = err instanceof Error ? err : new Error(String(err));
  const waiting = err instanceof WaitingFor;
  const reason = how.reason ??
    (err instanceof UpgradeFailure ? err.reason : waiting ? "Waiting" : "Error");
  p.status.error = serializeErrorJson(error, {
    ...errorJsonOptions(p),
    type: how.type ??
      (err instanceof UpgradeFailure
        ? "org.apache.flink.kubernetes.operator.exception.UpgradeFailureException"
        : undefined),
    reason: how.metadataReason,
  });
  await event(p, {
    type: waiting ? "Normal" : "Warning",
    reason,
    message: error.message,
    component: how.component ?? p.driver.errorComponent,
  });
  try {
    await save(p);
  } catch (saveErr) {
    log.warn("could not record error in status: {error}", { error: errorMessage(saveErr) });
  }
}

/**
 * A resource that cannot even be read (a field of the wrong type): a Warning event and the
 * problem in `status.error`, so `kubectl describe` says what to fix.
 */
export async function recordUnreadable(
  raw: RawResource,
  ctx: ReconcileContext<RawResource>,
  message: string,
): Promise<void> {
  await ctx.events.record(raw, { type: "Warning", reason: "ValidationError", message });
  if (raw.metadata.deletionTimestamp) return;
  await ctx.writeStatus(raw, {
    ...(raw.status as Record<string, unknown> ?? {}),
    error: serializeErrorJson(new Error(message), { type: VALIDATION_EXCEPTION }),
  });
}
