/**
 * The FlinkDeployment controller (FKO FlinkDeploymentController): observe → validate →
 * reconcile on every pass; deletion through the finalizer.
 */
import type { FlinkDeployment } from "../../api/flink_deployment.ts";
import { FLINK_DEPLOYMENT_NAMES } from "../../api/kinds.ts";
import { safeParseFlinkDeployment } from "../../api/parse.ts";
import { Resources } from "../../kube/resource.ts";
import { Action } from "../../runtime/action.ts";
import type { ControllerSpec, ReconcileContext } from "../../runtime/controller.ts";
import { lastReconciled } from "../job/bookkeeping.ts";
import { JobMemory } from "../job/job_memory.ts";
import type { JobEnv, RawResource } from "../job/resource_pass.ts";
import { uidOf } from "../job/resource_pass.ts";
import { recordError, recordUnreadable, runPass, supportedFlinkVersion } from "../job/run_pass.ts";
import { FlinkDeployments, FlinkSessionJobs, FlinkStateSnapshots } from "../resources.ts";
import { validateFlinkDeployment } from "../spec/mod.ts";
import type { ValidationIssue } from "../spec/validation_issue.ts";
import { cleanup } from "./cleanup.ts";
import { flinkDeploymentDriver } from "./driver.ts";
import { DeploymentFailure } from "./errors.ts";
import { observeDeployment } from "./observe.ts";
import { deploymentConfig, type DeploymentPass } from "./pass.ts";
import { reconcileDeployment } from "./reconcile.ts";
import {
  deploymentChangeRelevant,
  deploymentForCache,
  podChangeRelevant,
  podForCache,
} from "./watch_relevance.ts";

export function flinkDeploymentController(env: JobEnv): ControllerSpec<RawResource> {
  const memory = new JobMemory();
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
        relevant: deploymentChangeRelevant,
        transform: deploymentForCache,
      },
      {
        type: Resources.pods,
        labelSelector: "component in (jobmanager,taskmanager)",
        map: (pod) =>
          pod.metadata.labels?.app ? [`${pod.metadata.namespace}/${pod.metadata.labels.app}`] : [],
        relevant: podChangeRelevant,
        transform: podForCache,
      },
      // A cache only (as FKO's informer): the snapshot history is trimmed from it on every pass
      // without listing; snapshots change nothing a FlinkDeployment pass must react to.
      ...(env.snapshotResources ? [{ type: FlinkStateSnapshots, map: () => [] }] : []),
      {
        // A session cluster waiting in deletion for its session jobs goes on once they are gone.
        type: FlinkSessionJobs,
        map: (job, primaries) => {
          const name = (job as { spec?: { deploymentName?: unknown } }).spec?.deploymentName;
          const key = `${job.metadata.namespace}/${name}`;
          return typeof name === "string" && primaries.get(key)?.metadata.deletionTimestamp
            ? [key]
            : [];
        },
      },
    ],
    async reconcile(raw, ctx) {
      const p = await startPass(raw, ctx, env, memory);
      if (!p) return Action.done();
      return await runDeploymentPass(p);
    },
    async cleanup(raw, ctx) {
      const p = await startPass(raw, ctx, env, memory);
      if (!p) return Action.done();
      const action = await cleanup(p);
      if (action.requeueAfterMs === undefined) memory.forget(uidOf(p));
      return action;
    },
    async onError(raw, err, ctx) {
      const parsed = safeParseFlinkDeployment(raw);
      if (!parsed.ok) return;
      await recordDeploymentError(passOf(raw, parsed.value, ctx, env, memory), err);
    },
    forget(raw) {
      if (raw.metadata.uid) memory.forget(raw.metadata.uid);
    },
  };
}

/** The pass of one FlinkDeployment (also `flinkop plan`'s, over a read-only context). */
export function passOf(
  raw: RawResource,
  resource: FlinkDeployment,
  ctx: ReconcileContext<RawResource>,
  env: JobEnv,
  memory: JobMemory,
): DeploymentPass {
  return {
    kind: "FlinkDeployment",
    raw,
    resource,
    spec: resource.spec,
    status: resource.status,
    rc: deploymentConfig(raw, resource.spec, env),
    ctx,
    env,
    memory,
    ns: raw.metadata.namespace!,
    name: raw.metadata.name!,
    generation: raw.metadata.generation,
    driver: flinkDeploymentDriver,
  };
}

/** Parses the resource; one that cannot even be read gets a status error and an event. */
async function startPass(
  raw: RawResource,
  ctx: ReconcileContext<RawResource>,
  env: JobEnv,
  memory: JobMemory,
): Promise<DeploymentPass | undefined> {
  const parsed = safeParseFlinkDeployment(raw);
  if (parsed.ok) return passOf(raw, parsed.value, ctx, env, memory);
  await recordUnreadable(raw, ctx, parsed.error.message);
  return undefined;
}

async function runDeploymentPass(p: DeploymentPass): Promise<Action> {
  if (!await supportedFlinkVersion(p, p.spec.flinkVersion, "this FlinkDeployment")) {
    return Action.done();
  }
  return await runPass(p, {
    async observe(p) {
      try {
        await observeDeployment(p);
        return undefined;
      } catch (err) {
        if (!(err instanceof DeploymentFailure)) throw err;
        await recordDeploymentError(p, err);
        return Action.requeue(p.env.config.reconcileIntervalMs);
      }
    },
    validate: validateDeploymentPass,
    reconcile: reconcileDeployment,
  });
}

/** The validate step of a FlinkDeployment pass. */
export function validateDeploymentPass(p: DeploymentPass): ValidationIssue[] {
  return validateFlinkDeployment({ metadata: p.resource.metadata, spec: p.spec }, {
    effectiveConfig: p.rc.flat,
    lastReconciledSpec: lastReconciled(p)?.spec,
  });
}

/**
 * FlinkDeployment errors: a failing JobManager Deployment is reported as FKO does (its reason,
 * component JobManagerDeployment, status ERROR); anything else through the shared hook.
 */
async function recordDeploymentError(p: DeploymentPass, err: unknown): Promise<void> {
  if (!(err instanceof DeploymentFailure)) return await recordError(p, err);
  p.status.jobManagerDeploymentStatus = "ERROR";
  if (p.spec.job) p.status.jobStatus.state = "RECONCILING";
  await recordError(p, err, {
    reason: err.reason,
    type: "org.apache.flink.kubernetes.operator.exception.DeploymentFailedException",
    metadataReason: err.reason,
  });
}
