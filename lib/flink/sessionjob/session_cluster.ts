/**
 * The session cluster a FlinkSessionJob runs on: the FlinkDeployment named by
 * `spec.deploymentName` in the same namespace. Jobs are observed, submitted and stopped only
 * while its JobManager is READY (FKO SessionJobReconciler.sessionClusterReady).
 */
import type { FlinkDeployment } from "../../api/flink_deployment.ts";
import { safeParseFlinkDeployment } from "../../api/parse.ts";
import { keyOf, type KubeObject } from "../../kube/resource.ts";
import type { Store } from "../../runtime/store.ts";

/** The parsed session cluster from the FlinkDeployment cache; undefined if absent or unreadable. */
export function findSessionCluster(
  deployments: Store<KubeObject>,
  namespace: string,
  name: string | undefined,
): FlinkDeployment | undefined {
  if (!name) return undefined;
  const raw = deployments.get(keyOf({ namespace, name }));
  if (!raw) return undefined;
  const parsed = safeParseFlinkDeployment(raw);
  return parsed.ok ? parsed.value : undefined;
}

/** Its JobManager answers: jobs on it can be observed and stopped (also while it is deleted). */
export function sessionClusterReady(session: FlinkDeployment | undefined): boolean {
  return session !== undefined && session.status.jobManagerDeploymentStatus === "READY";
}

/**
 * Why no job may be started on the session cluster now (a sentence for status and events), or
 * undefined when one may.
 */
export function sessionClusterWait(
  namespace: string,
  name: string | undefined,
  session: FlinkDeployment | undefined,
): string | undefined {
  const what = `session cluster FlinkDeployment ${namespace}/${name ?? "(unnamed)"}`;
  if (session === undefined) {
    return `Waiting for the ${what}: it does not exist (yet); create it, or fix spec.deploymentName`;
  }
  if (session.metadata.deletionTimestamp) return `The ${what} is being deleted`;
  const jm = session.status.jobManagerDeploymentStatus;
  if (jm !== "READY") return `Waiting for the ${what}: its JobManager is ${jm}, not READY`;
  return undefined;
}
