import { getLogger } from "@logtape/logtape";
import { FLINK_DEPLOYMENT_NAMES } from "../../api/kinds.ts";
import { safeParseFlinkDeployment } from "../../api/parse.ts";
import type { FlinkDeployment } from "../../api/flink_deployment.ts";
import { isFlinkVersionAtLeast } from "../../api/enums.ts";
import { effectiveResourceConfig } from "../../config/resource_config.ts";
import { Resources } from "../../kube/resource.ts";
import { Action } from "../../runtime/action.ts";
import type { ControllerSpec, ReconcileContext } from "../../runtime/controller.ts";
import { FlinkDeployments } from "../resources.ts";
import { formatValidationError, serializeErrorJson, validateFlinkDeployment } from "../spec/mod.ts";
import { lastReconciled, withJob } from "./bookkeeping.ts";
import { cleanup } from "./cleanup.ts";
import { DeploymentFailure, UpgradeFailure, WaitingFor } from "./errors.ts";
import { observe } from "./observe.ts";
import { type DeploymentEnv, event, type Pass, type RawFlinkDeployment, save } from "./pass.ts";
import { reconcile } from "./reconcile.ts";

const log = getLogger(["flinkop", "deployment"]);

/** The FlinkDeployment controller: observe → validate → reconcile on every pass, as FKO does. */
export function flinkDeploymentController(env: DeploymentEnv): ControllerSpec<RawFlinkDeployment> {
  return {
    name: "flinkdeployment",
    type: FlinkDeployments,
    finalizer: FLINK_DEPLOYMENT_NAMES.finalizer,
    labelSelector: env.config.labelSelector,
    watches: [
      // JobManager/TaskManager Deployments and pods carry owner refs or the app label.
      {
        type: Resources.deployments,
        labelSelector: "type in (flink-native-kubernetes,flink-standalone-kubernetes)",
      },
      {
        type: Resources.pods,
        labelSelector: "component in (jobmanager,taskmanager)",
        map: (pod) =>
          pod.metadata.labels?.app ? [`${pod.metadata.namespace}/${pod.metadata.labels.app}`] : [],
      },
    ],
    async reconcile(raw, ctx) {
      const p = await startPass(raw, ctx, env);
      if (!p) return Action.done();
      return await runPass(p);
    },
    async cleanup(raw, ctx) {
      const p = await startPass(raw, ctx, env);
      if (!p) return Action.done();
      return await cleanup(p);
    },
    async onError(raw, err, ctx) {
      const parsed = safeParseFlinkDeployment(raw);
      if (!parsed.ok) return;
      const p = passOf(raw, parsed.value, ctx, env);
      await recordError(p, err);
    },
  };
}

function passOf(
  raw: RawFlinkDeployment,
  dep: FlinkDeployment,
  ctx: ReconcileContext<RawFlinkDeployment>,
  env: DeploymentEnv,
): Pass {
  const rc = effectiveResourceConfig(env.config, {
    namespace: raw.metadata.namespace,
    flinkVersion: dep.spec.flinkVersion,
    flinkConfiguration: dep.spec.flinkConfiguration,
  });
  return {
    raw,
    dep,
    status: dep.status,
    rc,
    ctx,
    env,
    ns: raw.metadata.namespace!,
    name: raw.metadata.name!,
  };
}

/** Parses the resource; a resource that cannot even be read gets a status error and an event. */
async function startPass(
  raw: RawFlinkDeployment,
  ctx: ReconcileContext<RawFlinkDeployment>,
  env: DeploymentEnv,
): Promise<Pass | undefined> {
  const parsed = safeParseFlinkDeployment(raw);
  if (parsed.ok) return passOf(raw, parsed.value, ctx, env);
  const message = parsed.error.message;
  await ctx.events.record(raw, { type: "Warning", reason: "ValidationError", message });
  const status = {
    ...(raw.status as Record<string, unknown> ?? {}),
    error: serializeErrorJson(new Error(message), {
      type: "org.apache.flink.kubernetes.operator.exception.ValidationException",
    }),
  };
  await ctx.writeStatus(raw, status);
  return undefined;
}

async function runPass(p: Pass): Promise<Action> {
  const version = p.dep.spec.flinkVersion;
  if (version && !isFlinkVersionAtLeast(version, "v1_15")) {
    await event(p, {
      type: "Warning",
      reason: "UnsupportedFlinkVersion",
      message: `Flink version ${version} is not supported; use v1_15 or newer`,
    });
    return Action.done();
  }
  try {
    await observe(p);
  } catch (err) {
    if (!(err instanceof DeploymentFailure)) throw err;
    await recordError(p, err);
    return Action.requeue(p.env.config.reconcileIntervalMs);
  }

  const rec = lastReconciled(p.status);
  const issues = [
    ...validateFlinkDeployment(p.dep, {
      effectiveConfig: p.rc.flat,
      lastReconciledSpec: rec?.spec,
    }),
    ...p.rc.problems.map((pr) => ({
      field: `spec.flinkConfiguration.${pr.key}`,
      message: `spec.flinkConfiguration.${pr.key}: ${pr.message}`,
    })),
  ];
  if (issues.length) {
    const message = formatValidationError(issues);
    await event(p, { type: "Warning", reason: "ValidationError", message });
    p.status.error = serializeErrorJson(new Error(message), {
      type: "org.apache.flink.kubernetes.operator.exception.ValidationException",
    });
    if (!rec) {
      await save(p);
      return Action.done();
    }
    // Keep managing what was last deployed; the invalid spec is ignored until it is fixed.
    const upgrading = p.status.reconciliationStatus.state === "UPGRADING";
    p.dep = { ...p.dep, spec: upgrading ? withJob(rec.spec, { state: "running" }) : rec.spec };
    p.rc = effectiveResourceConfig(p.env.config, {
      namespace: p.ns,
      flinkVersion: p.dep.spec.flinkVersion,
      flinkConfiguration: p.dep.spec.flinkConfiguration,
    });
  }
  await save(p);
  try {
    const action = await reconcile(p);
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

/** The controller's one error-to-status hook: status.error (FKO error JSON) and an event. */
async function recordError(p: Pass, err: unknown): Promise<void> {
  const error = err instanceof Error ? err : new Error(String(err));
  let reason = "Error";
  let component = "Operator";
  if (err instanceof UpgradeFailure) reason = err.reason;
  if (err instanceof WaitingFor) reason = "Waiting";
  if (err instanceof DeploymentFailure) {
    reason = err.reason;
    component = "JobManagerDeployment";
    p.status.jobManagerDeploymentStatus = "ERROR";
    if (p.dep.spec.job) p.status.jobStatus.state = "RECONCILING";
  }
  p.status.error = serializeErrorJson(error, {
    type: err instanceof UpgradeFailure || err instanceof DeploymentFailure
      ? `org.apache.flink.kubernetes.operator.exception.${error.name}Exception`
      : undefined,
    reason: err instanceof DeploymentFailure ? err.reason : undefined,
  });
  await event(p, {
    type: err instanceof WaitingFor ? "Normal" : "Warning",
    reason,
    message: error.message,
    component,
  });
  try {
    await save(p);
  } catch (saveErr) {
    log.warn("could not record error in status: {error}", { error: String(saveErr) });
  }
}
