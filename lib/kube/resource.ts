/** Identifies a REST resource of the Kubernetes API: enough to build its URL paths. */
export interface ResourceType {
  group: string; // "" for the core group
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  generateName?: string;
  [extra: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** Any Kubernetes object; controllers narrow it with their own types. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [extra: string]: unknown;
}

export interface ObjectList<T> {
  apiVersion?: string;
  kind?: string;
  metadata: { resourceVersion?: string; continue?: string };
  items: T[];
}

export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

export function collectionPath(type: ResourceType, namespace?: string): string {
  const base = type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
  if (type.namespaced && namespace) {
    return `${base}/namespaces/${encodeURIComponent(namespace)}/${type.plural}`;
  }
  return `${base}/${type.plural}`;
}

export function objectPath(
  type: ResourceType,
  namespace: string | undefined,
  name: string,
): string {
  return `${collectionPath(type, namespace)}/${encodeURIComponent(name)}`;
}

/** `namespace/name` (or just `name` for cluster-scoped objects): the work-queue key. */
export type ObjectKey = string;

export function keyOf(meta: { namespace?: string; name?: string }): ObjectKey {
  return meta.namespace ? `${meta.namespace}/${meta.name}` : `${meta.name}`;
}

export function splitKey(key: ObjectKey): { namespace?: string; name: string } {
  const i = key.indexOf("/");
  return i < 0 ? { name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

function core(plural: string, kind: string, namespaced = true): ResourceType {
  return { group: "", version: "v1", plural, kind, namespaced };
}

/** Built-in resource types the operator and its tooling use. */
export const Resources = {
  pods: core("pods", "Pod"),
  services: core("services", "Service"),
  configMaps: core("configmaps", "ConfigMap"),
  secrets: core("secrets", "Secret"),
  events: core("events", "Event"),
  namespaces: core("namespaces", "Namespace", false),
  nodes: core("nodes", "Node", false),
  serviceAccounts: core("serviceaccounts", "ServiceAccount"),
  endpoints: core("endpoints", "Endpoints"),
  deployments: {
    group: "apps",
    version: "v1",
    plural: "deployments",
    kind: "Deployment",
    namespaced: true,
  },
  replicaSets: {
    group: "apps",
    version: "v1",
    plural: "replicasets",
    kind: "ReplicaSet",
    namespaced: true,
  },
  endpointSlices: {
    group: "discovery.k8s.io",
    version: "v1",
    plural: "endpointslices",
    kind: "EndpointSlice",
    namespaced: true,
  },
  leases: {
    group: "coordination.k8s.io",
    version: "v1",
    plural: "leases",
    kind: "Lease",
    namespaced: true,
  },
  crds: {
    group: "apiextensions.k8s.io",
    version: "v1",
    plural: "customresourcedefinitions",
    kind: "CustomResourceDefinition",
    namespaced: false,
  },
} satisfies Record<string, ResourceType>;
