/**
 * The FlinkSessionJob controller (FKO FlinkSessionJobController): observe → validate →
 * reconcile on every pass, with the job lifecycle shared with application FlinkDeployments
 * (lib/flink/job) and a session cluster it waits for. Changes of the session cluster reach its
 * session jobs at once through a watch mapped by `spec.deploymentName`.
 */
import type { FlinkSessionJob } from "../../api/flink_session_job.ts";
import { FLINK_SESSION_JOB_NAMES, LABEL_TARGET_SESSION } from "../../api/kinds.ts";
import { safeParseFlinkSessionJob } from "../../api/parse.ts";
import { OPTIONS } from "../../config/options.ts";
import { keyOf, type KubeObject } from "../../kube/resource.ts";
import { Action } from "../../runtime/action.ts";
import type { ControllerSpec, ReconcileContext } from "../../runtime/controller.ts";
import { lastReconciled } from "../job/bookkeeping.ts";
import { WaitingFor } from "../job/errors.ts";
import { JobMemory } from "../job/job_memory.ts";
import { reconcileJob } from "../job/reconcile_job.ts";
import { type JobEnv, type RawResource, uidOf } from "../job/resource_pass.ts";
import { recordError, recordUnreadable, runPass, supportedFlinkVersion } from "../job/run_pass.ts";
import { FlinkDeployments, FlinkSessionJobs } from "../resources.ts";
import { sessionJobConfig } from "../session_job_config.ts";
import { validateFlinkSessionJob } from "../spec/validate_session_job.ts";
import type { ValidationIssue } from "../spec/validation_issue.ts";
import { cleanupSessionJob } from "./cleanup.ts";
import { sessionJobDriver } from "./driver.ts";
import { resolveJarHost } from "./jar_host.ts";
import { observeSessionJob } from "./observe.ts";
import type { SessionJobPass } from "./pass.ts";
import { findSessionCluster, sessionClusterWait } from "./session_cluster.ts";

const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

export function flinkSessionJobController(env: JobEnv): ControllerSpec<RawResource> {
  const memory = new JobMemory();
  return {
    name: "flinksessionjob",
    type: FlinkSessionJobs,
    finalizer: FLINK_SESSION_JOB_NAMES.finalizer,
    labelSelector: env.config.labelSelector,
    watches: [{
      type: FlinkDeployments,
      map: (cluster, sessionJobs) =>
        sessionJobs.list(cluster.metadata.namespace)
          .filter((job) => deploymentNameOf(job) === cluster.metadata.name)
          .map((job) => keyOf(job.metadata)),
    }],
    async reconcile(raw, ctx) {
      const p = await startPass(raw, ctx, env, memory);
      if (!p) return Action.done();
      return await runSessionJobPass(p);
    },
    async cleanup(raw, ctx) {
      const p = await startPass(raw, ctx, env, memory);
      if (!p) return Action.done();
      const action = await cleanupSessionJob(p);
      if (action.requeueAfterMs === undefined) memory.forget(uidOf(p));
      return action;
    },
    async onError(raw, err, ctx) {
      const parsed = safeParseFlinkSessionJob(raw);
      if (!parsed.ok) return;
      await recordError(passOf(raw, parsed.value, ctx, env, memory), err);
    },
    forget(raw) {
      if (raw.metadata.uid) memory.forget(raw.metadata.uid);
    },
  };
}

function deploymentNameOf(obj: KubeObject): unknown {
  return (obj as { spec?: { deploymentName?: unknown } }).spec?.deploymentName;
}

/** The pass of one FlinkSessionJob (also `flinkop plan`'s, over a read-only context). */
export function passOf(
  raw: RawResource,
  resource: FlinkSessionJob,
  ctx: ReconcileContext<RawResource>,
  env: JobEnv,
  memory: JobMemory,
): SessionJobPass {
  const ns = raw.metadata.namespace!;
  const session = findSessionCluster(
    ctx.cache(FlinkDeployments),
    ns,
    resource.spec.deploymentName,
  );
  return {
    kind: "FlinkSessionJob",
    raw,
    resource,
    session,
    spec: resource.spec,
    status: resource.status,
    rc: sessionJobConfig(env.config, ns, resource.spec, session?.spec),
    ctx,
    env,
    memory,
    ns,
    name: raw.metadata.name!,
    generation: raw.metadata.generation,
    driver: sessionJobDriver,
  };
}

async function startPass(
  raw: RawResource,
  ctx: ReconcileContext<RawResource>,
  env: JobEnv,
  memory: JobMemory,
): Promise<SessionJobPass | undefined> {
  const parsed = safeParseFlinkSessionJob(raw);
  if (parsed.ok) return passOf(raw, parsed.value, ctx, env, memory);
  await recordUnreadable(raw, ctx, parsed.error.message);
  return undefined;
}

async function runSessionJobPass(p: SessionJobPass): Promise<Action> {
  await labelTargetSession(p);
  const cluster = `session cluster ${p.session?.metadata.name}`;
  if (!await supportedFlinkVersion(p, p.session?.spec.flinkVersion, cluster)) {
    return Action.done();
  }
  const validate = await sessionJobValidation(p);
  return await runPass(p, {
    async observe(p) {
      await observeSessionJob(p);
      return undefined;
    },
    validate,
    async reconcile(p) {
      // FKO readyToReconcile: nothing is submitted or stopped while the cluster cannot take it.
      const wait = sessionClusterWait(p.ns, p.driver.clusterId(p), p.session);
      if (wait) throw new WaitingFor(wait);
      return await reconcileJob(p);
    },
  });
}

/** The validate step of a FlinkSessionJob pass, with the jar's host resolved beforehand. */
export async function sessionJobValidation(
  p: SessionJobPass,
): Promise<(p: SessionJobPass) => ValidationIssue[]> {
  const jarHost = await resolveJarHost(p.spec.job?.jarURI, p.rc);
  return (p) =>
    validateFlinkSessionJob(p.spec, {
      sessionCluster: p.session,
      effectiveConfig: p.rc.flat,
      lastReconciledSpec: lastReconciled(p)?.spec,
      jarUri: {
        allowedSchemes: p.rc.get(OPTIONS.userArtifactsAllowedSchemes),
        disallowRestrictedHosts: p.rc.get(OPTIONS.userArtifactsDisallowRestrictedHosts),
        addressesOf: jarHost,
      },
    });
}

/**
 * FKO's mutator labels a session job with its session cluster (`target.session`), so tools
 * can select a cluster's jobs; without a webhook the controller does it.
 */
async function labelTargetSession(p: SessionJobPass): Promise<void> {
  const target = p.spec.deploymentName;
  // A name that is no label value is refused by validation; it gets no label either.
  if (!target || !LABEL_VALUE.test(target)) return;
  if (p.raw.metadata.labels?.[LABEL_TARGET_SESSION] === target) return;
  const updated = await p.ctx.client.patch<RawResource>(FlinkSessionJobs, p.ns, p.name, {
    metadata: { labels: { [LABEL_TARGET_SESSION]: target } },
  });
  p.raw.metadata.labels = updated.metadata.labels;
  p.raw.metadata.resourceVersion = updated.metadata.resourceVersion;
}
