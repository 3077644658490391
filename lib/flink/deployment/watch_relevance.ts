/**
 * Which changes of a FlinkDeployment's Kubernetes objects are worth a pass. A pod or Deployment
 * changes its status several times while it starts (scheduled, container created, started,
 * ready, replica counts); a pass reads only a few facts from them (jm_observation.ts). Waking on
 * those facts alone keeps a starting JobManager to one or two passes, which the per-resource
 * rate limit (FKO's 5 per 15 s) would otherwise spend before the JobManager is up, and a
 * thousand running clusters from costing a pass per status update.
 */
import type { KubeObject } from "../../kube/resource.ts";
import { FAILURE_REASONS } from "./jm_observation.ts";

interface DeploymentLike extends KubeObject {
  status?: {
    replicas?: number;
    availableReplicas?: number;
    conditions?: { type: string; status: string; reason?: string }[];
  };
}

interface ContainerStatusLike {
  state?: { waiting?: { reason?: string }; terminated?: { reason?: string } };
}

interface PodLike extends KubeObject {
  status?: {
    containerStatuses?: ContainerStatusLike[];
    initContainerStatuses?: ContainerStatusLike[];
  };
}

/**
 * What the observer reads from a JobManager or TaskManager Deployment: whether it is going away,
 * has an available replica, or failed to create pods. An absent object reads like a new one (the
 * operator created it and has nothing to learn until it is up or failing). Other facts, such as
 * the Available condition's history, are read from the cache by the passes that need them.
 */
export function deploymentFacts(obj: KubeObject | undefined): string {
  const d = obj as DeploymentLike | undefined;
  const st = d?.status ?? {};
  const conditions = st.conditions ?? [];
  return JSON.stringify([
    !!d?.metadata.deletionTimestamp,
    (st.replicas ?? 0) > 0 && (st.availableReplicas ?? 0) > 0,
    conditions.some((c) =>
      c.type === "ReplicaFailure" && c.status === "True" && c.reason === "FailedCreate"
    ),
  ]);
}

/** What the observer reads from a JobManager or TaskManager pod: going away, failing and why. */
export function podFacts(obj: KubeObject | undefined): string {
  const pod = obj as PodLike | undefined;
  const statuses = [
    ...(pod?.status?.initContainerStatuses ?? []),
    ...(pod?.status?.containerStatuses ?? []),
  ];
  const failures = statuses.map((cs) => {
    const reason = cs.state?.waiting?.reason ?? cs.state?.terminated?.reason;
    return reason && (FAILURE_REASONS.has(reason) || reason === "OOMKilled") ? reason : "";
  }).filter((r) => r !== "");
  return JSON.stringify([!!pod?.metadata.deletionTimestamp, failures]);
}

export function deploymentChangeRelevant(obj: KubeObject, previous: KubeObject | undefined) {
  return deploymentFacts(obj) !== deploymentFacts(previous);
}

export function podChangeRelevant(obj: KubeObject, previous: KubeObject | undefined) {
  return podFacts(obj) !== podFacts(previous);
}

/**
 * What the controller keeps of a JobManager or TaskManager pod: its identity, labels and status
 * (readiness, IP, container states); not its spec (containers, volumes, environment), which
 * nothing reads and which is most of a Flink pod.
 */
export function podForCache(obj: KubeObject): KubeObject {
  const { managedFields: _, ...metadata } = obj.metadata;
  const status = (obj as PodLike & { status?: Record<string, unknown> }).status;
  return { apiVersion: obj.apiVersion, kind: obj.kind, metadata, status } as KubeObject;
}

/** A JobManager or TaskManager Deployment without its pod template (nothing reads it). */
export function deploymentForCache(obj: KubeObject): KubeObject {
  const { managedFields: _, ...metadata } = obj.metadata;
  const d = obj as KubeObject & { spec?: Record<string, unknown>; status?: unknown };
  const { template: _template, ...spec } = d.spec ?? {};
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata,
    spec,
    status: d.status,
  } as KubeObject;
}
