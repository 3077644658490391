import type { KubeObject } from "../../kube/resource.ts";

/**
 * What the JobManager's Kubernetes objects say about it (FKO AbstractFlinkDeploymentObserver,
 * reference §3.2), before any REST call: missing, still deploying, failing (with the pod's
 * reason), or up and worth probing over REST.
 */
export type JmObjectsState =
  | { state: "MISSING" }
  | { state: "DEPLOYING" }
  | { state: "AVAILABLE" }
  | { state: "ERROR"; reason: string; message: string };

/** Container waiting reasons FKO treats as a failed deployment. */
export const FAILURE_REASONS = new Set([
  "CrashLoopBackOff",
  "ImagePullBackOff",
  "ErrImagePull",
  "RunContainerError",
  "CreateContainerConfigError",
  "OOMKilled",
]);

interface ContainerStatus {
  name?: string;
  state?: {
    waiting?: { reason?: string; message?: string };
    terminated?: { reason?: string; message?: string; exitCode?: number };
  };
  lastState?: { terminated?: { reason?: string; message?: string; exitCode?: number } };
}

interface PodLike extends KubeObject {
  status?: { containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[] };
}

interface DeploymentLike extends KubeObject {
  status?: {
    replicas?: number;
    availableReplicas?: number;
    conditions?: {
      type: string;
      status: string;
      reason?: string;
      message?: string;
      lastTransitionTime?: string;
    }[];
  };
}

/**
 * The JobManager Deployment has not been available once since it was created (FKO
 * jmPodNeverStarted): its Available condition is False and has not changed since creation. Then
 * no JobManager ran, so it wrote no HA metadata. Unsure (no such condition) means false.
 *
 * FKO compares the two timestamps for equality; both have one-second resolution and the
 * controller-manager sets the condition a moment after creation, so a tick between them is
 * allowed. A JobManager cannot become ready and fail again within that second.
 */
export function jobManagerNeverStarted(deployment: DeploymentLike | undefined): boolean {
  if (!deployment) return false;
  // Proof that it did: the Deployment's rollout completed once. The deployment controller keeps
  // this reason when the pod fails later, and a JobManager that came up and crashed within the
  // second of its creation would otherwise pass the timestamp test below (found by a test whose
  // JobManager ran for half a second before its crash: its stateful job restarted empty).
  const progressing = deployment.status?.conditions?.find((c) => c.type === "Progressing");
  if (progressing?.reason === "NewReplicaSetAvailable") return false;
  const available = deployment.status?.conditions?.find((c) => c.type === "Available");
  if (available?.status !== "False") return false;
  const created = Date.parse(deployment.metadata.creationTimestamp ?? "");
  const changed = Date.parse(available.lastTransitionTime ?? "");
  return Number.isFinite(created) && Number.isFinite(changed) && changed - created <= 1000;
}

export function observeJmObjects(
  deployment: DeploymentLike | undefined,
  pods: PodLike[],
): JmObjectsState {
  if (!deployment || deployment.metadata.deletionTimestamp) return { state: "MISSING" };
  const st = deployment.status ?? {};
  if ((st.replicas ?? 0) > 0 && (st.availableReplicas ?? 0) > 0) return { state: "AVAILABLE" };
  const failedCreate = st.conditions?.find((c) =>
    c.type === "ReplicaFailure" && c.status === "True" && c.reason === "FailedCreate"
  );
  if (failedCreate) {
    return { state: "ERROR", reason: "FailedCreate", message: failedCreate.message ?? "" };
  }
  for (const pod of pods) {
    const statuses = [
      ...(pod.status?.initContainerStatuses ?? []),
      ...(pod.status?.containerStatuses ?? []),
    ];
    for (const cs of statuses) {
      const waiting = cs.state?.waiting;
      const terminatedReason = cs.state?.terminated?.reason;
      const reason = waiting?.reason ??
        (terminatedReason === "OOMKilled" ? "OOMKilled" : undefined);
      if (reason && FAILURE_REASONS.has(reason)) {
        const last = cs.lastState?.terminated;
        const message = reason === "CrashLoopBackOff"
          ? (last?.message || waiting?.message ||
            `container ${cs.name} keeps exiting (exit code ${last?.exitCode ?? "unknown"})`)
          : (waiting?.message ?? cs.state?.terminated?.message ?? "");
        return { state: "ERROR", reason, message };
      }
    }
  }
  return { state: "DEPLOYING" };
}
