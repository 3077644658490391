import type { Pki } from "./pki.ts";

/**
 * Command lines of the three control-plane components, all bound to 127.0.0.1. Each flag that
 * departs from upstream defaults says why; see docs/local-cluster.md for the overall picture.
 */

export interface ControlPlanePorts {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
}

/**
 * The Service network; 10.0.0.1 (its first address, in the serving cert) is `kubernetes`. A /16:
 * a /24 ran out of ClusterIPs at 254 REST Services, below the 1,000 FlinkDeployments of
 * operator.scale.
 */
export const SERVICE_CLUSTER_IP_RANGE = "10.0.0.0/16";

export function etcdArgs(opts: { dataDir: string; ports: ControlPlanePorts }): string[] {
  const client = `http://127.0.0.1:${opts.ports.etcdClient}`;
  const peer = `http://127.0.0.1:${opts.ports.etcdPeer}`;
  return [
    "--name=flinkop",
    `--data-dir=${opts.dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=flinkop=${peer}`,
    // A throwaway test cluster: durability is not worth an fsync per write.
    "--unsafe-no-fsync",
    "--quota-backend-bytes=2147483648",
    "--auto-compaction-mode=periodic",
    "--auto-compaction-retention=1h",
    // Fewer entries kept in memory between snapshots than the default 10000.
    "--snapshot-count=5000",
    "--log-level=warn",
  ];
}

export function apiserverArgs(opts: { pki: Pki; ports: ControlPlanePorts }): string[] {
  const { pki, ports } = opts;
  return [
    `--etcd-servers=http://127.0.0.1:${ports.etcdClient}`,
    "--bind-address=127.0.0.1",
    "--advertise-address=127.0.0.1",
    `--secure-port=${ports.apiserver}`,
    `--tls-cert-file=${pki.apiserver.cert}`,
    `--tls-private-key-file=${pki.apiserver.key}`,
    `--client-ca-file=${pki.ca.cert}`,
    `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
    "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
    `--service-account-key-file=${pki.serviceAccountPub}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    "--authorization-mode=RBAC",
    "--allow-privileged=true",
    // The lease reconciler would publish 127.0.0.1 as the `kubernetes` Service endpoint, which
    // Endpoints validation rejects (loopback), so it would fail and log forever.
    "--endpoint-reconciler-type=none",
    // The admission plugin taints every new Node not-ready; only the node lifecycle controller
    // removes that taint, and we do not run it (it would also evict pods on missed heartbeats).
    "--disable-admission-plugins=TaintNodesByCondition",
    // Plain max-in-flight limits: one user, no need for the flow-control machinery's goroutines.
    "--enable-priority-and-fairness=false",
    "--profiling=false",
    "--v=0",
  ];
}

/**
 * Controllers the operator and its tests rely on (workloads, garbage collection, namespaces,
 * service accounts and their tokens, endpoints), and nothing node-, cloud- or storage-related.
 */
export const CONTROLLERS = [
  "deployment-controller",
  "replicaset-controller",
  "garbage-collector-controller",
  "namespace-controller",
  "serviceaccount-controller",
  "serviceaccount-token-controller",
  // Publishes kube-root-ca.crt in every namespace: pods' projected API-access volumes need it.
  "root-ca-certificate-publisher-controller",
  "endpoints-controller",
  "endpointslice-controller",
  "endpointslice-mirroring-controller",
  // Fills the aggregated admin/edit/view ClusterRoles that namespace-scoped RBAC binds to.
  "clusterrole-aggregation-controller",
  // Cleans up pods of a Node that was deleted, and terminated pods beyond the threshold.
  "pod-garbage-collector-controller",
];

/** The controllers that publish pod addresses behind Services. */
export const ENDPOINT_CONTROLLERS = [
  "endpoints-controller",
  "endpointslice-controller",
  "endpointslice-mirroring-controller",
];

/**
 * The controllers to run for a pod network. With loopback pod addresses (no pod CIDR) the
 * endpoint controllers could only fail: Endpoints and EndpointSlice validation refuses 127.x, and
 * every Service with pods would collect FailedToUpdateEndpoint(Slices) warnings forever. They run
 * only when pods have publishable addresses.
 */
export function controllersFor(podCidr: string | undefined): string[] {
  return podCidr ? CONTROLLERS : CONTROLLERS.filter((c) => !ENDPOINT_CONTROLLERS.includes(c));
}

export function controllerManagerArgs(
  opts: { pki: Pki; kubeconfig: string; controllers?: string[] },
): string[] {
  return [
    `--kubeconfig=${opts.kubeconfig}`,
    `--controllers=${(opts.controllers ?? CONTROLLERS).join(",")}`,
    "--leader-elect=false",
    // No HTTPS endpoint: readiness is proven through the API (the `default` ServiceAccount).
    "--secure-port=0",
    // Each controller acts as its own kube-system ServiceAccount, exactly as in kubeadm clusters,
    // so the controller manager's own identity needs no more than the bootstrap RBAC grants it.
    "--use-service-account-credentials=true",
    `--service-account-private-key-file=${opts.pki.serviceAccountKey}`,
    `--root-ca-file=${opts.pki.ca.cert}`,
    "--kube-api-qps=100",
    "--kube-api-burst=200",
    "--profiling=false",
    "--v=0",
  ];
}
