import { FLINK_API_VERSION, type FlinkDeployment } from "../../api/mod.ts";
import type { KubeObject, OwnerReference } from "../../kube/resource.ts";

/**
 * Owner references of the rendered cluster objects. Services and ConfigMaps are owned by the
 * JobManager Deployment (as Flink's client does it), whose uid only exists once it has been
 * created: they are rendered with {@link PENDING_OWNER_UID} and filled in by
 * {@link withOwnerUid}. The empty uid makes the API server reject an object whose owner was
 * never filled in, instead of creating an orphan.
 */
export const PENDING_OWNER_UID = "";

/** The FlinkDeployment as non-controlling owner, as FKO passes it to Flink. */
export function flinkDeploymentOwnerReference(deployment: FlinkDeployment): OwnerReference {
  return {
    apiVersion: FLINK_API_VERSION,
    kind: "FlinkDeployment",
    name: deployment.metadata.name ?? "",
    uid: deployment.metadata.uid ?? PENDING_OWNER_UID,
    controller: false,
    blockOwnerDeletion: true,
  };
}

/** The JobManager Deployment as controlling owner; uid pending until it is created. */
export function jobManagerDeploymentOwnerReference(deploymentName: string): OwnerReference {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    name: deploymentName,
    uid: PENDING_OWNER_UID,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** A copy of `obj` whose owner references to `kind`/`name` carry `uid`. */
export function withOwnerUid<T extends KubeObject>(
  obj: T,
  kind: string,
  name: string,
  uid: string,
): T {
  const refs = obj.metadata.ownerReferences;
  if (!refs) return obj;
  return {
    ...obj,
    metadata: {
      ...obj.metadata,
      ownerReferences: refs.map((ref) =>
        ref.kind === kind && ref.name === name ? { ...ref, uid } : ref
      ),
    },
  };
}

/** Whether some owner reference of `obj` still waits for its uid. */
export function hasPendingOwnerUid(obj: KubeObject): boolean {
  return (obj.metadata.ownerReferences ?? []).some((ref) => ref.uid === PENDING_OWNER_UID);
}
