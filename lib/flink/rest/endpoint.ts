/**
 * Turns an access mode plus a cluster's identity into a transport for its JobManager REST
 * endpoint. Every mode targets the `<cluster-id>-rest` Service that native and standalone
 * deployments both create.
 */
import type { KubeClient } from "../../kube/client.ts";
import { Resources } from "../../kube/resource.ts";
import type { KubeObject } from "../../kube/resource.ts";
import type { RestAccessMode } from "./access_mode.ts";
import { FlinkUnreachableError } from "./errors.ts";
import { ApiServerProxyTransport, DirectTransport, type RestTransport } from "./transport.ts";
import { restSslSettings, RestTlsConfigError } from "./tls/rest_ssl_options.ts";
import { loadRestTls, type RestTlsMaterial } from "./tls/rest_tls_material.ts";
import { TlsTransport } from "./tls/tls_transport.ts";

export {
  chooseRestAccessMode,
  isLoopbackHost,
  isRunningInPod,
  parseRestAccessMode,
  REST_ACCESS_MODES,
  type RestAccessDecision,
  type RestAccessMode,
} from "./access_mode.ts";

/** Flink's `rest.port` default, also the JobManager container port named `rest`. */
export const DEFAULT_REST_PORT = 8081;

export function restServiceName(clusterId: string): string {
  return `${clusterId}-rest`;
}

export interface RestEndpointTarget {
  mode: RestAccessMode;
  /** `get` lets pod-ip fall back to the Service's pods when EndpointSlices are empty. */
  kube: Pick<KubeClient, "fetch" | "list"> & Partial<Pick<KubeClient, "get">>;
  namespace: string;
  /** FlinkDeployment name (for session jobs: the session cluster's name). */
  clusterId: string;
  /** `rest.port` of the cluster; the Service port and, unless the slice says otherwise, the pod's. */
  port?: number;
  /**
   * The cluster's effective Flink configuration: with `security.ssl.rest.enabled` the transport
   * speaks HTTPS as it says (tls/rest_ssl_options.ts). Without it, plain HTTP.
   */
  config?: Readonly<Record<string, string | undefined>>;
  /** The cluster's Flink version, `v1_20` (`security.ssl.enabled` counts before 2.0 only). */
  flinkVersion?: string;
}

/** The TLS material for a cluster whose configuration enables REST SSL; undefined for HTTP. */
export async function restTlsOf(
  target: Pick<RestEndpointTarget, "config" | "flinkVersion">,
): Promise<RestTlsMaterial | undefined> {
  if (!target.config) return undefined;
  const settings = restSslSettings({ config: target.config, flinkVersion: target.flinkVersion });
  return settings && await loadRestTls(settings);
}

/**
 * Builds the transport for one cluster. pod-ip reads the Service's EndpointSlices on every call,
 * so resolve once per reconcile rather than caching across JobManager restarts.
 */
export async function resolveTransport(target: RestEndpointTarget): Promise<RestTransport> {
  const port = target.port ?? DEFAULT_REST_PORT;
  const service = restServiceName(target.clusterId);
  const tls = await restTlsOf(target);
  switch (target.mode) {
    case "service-dns":
      return tls
        ? new TlsTransport(`${service}.${target.namespace}`, port, tls, "service DNS")
        : new DirectTransport(`http://${service}.${target.namespace}:${port}`, "service DNS");
    case "api-proxy":
      if (tls?.client) {
        throw new RestTlsConfigError(
          "security.ssl.rest.authentication-enabled: the JobManager asks for a client " +
            "certificate, which requests through the API server's service proxy cannot present; " +
            "reach JobManagers directly (--rest-access service-dns or pod-ip)",
        );
      }
      return new ApiServerProxyTransport(
        target.kube,
        target.namespace,
        service,
        port,
        tls ? "https" : "http",
      );
    case "pod-ip": {
      const slices = await target.kube.list<EndpointSlice>(
        Resources.endpointSlices,
        target.namespace,
        { labelSelector: `kubernetes.io/service-name=${service}` },
      );
      const fromSlice = pickReadyEndpoint(slices.items, port);
      const endpoint = fromSlice ?? await readyPodBehindService(target, service, port);
      if (!endpoint) {
        throw new FlinkUnreachableError(
          "no ready JobManager endpoint",
          `EndpointSlices and pods of service ${target.namespace}/${service}`,
        );
      }
      const host = endpoint.address.includes(":") ? `[${endpoint.address}]` : endpoint.address;
      const pod = endpoint.pod ?? endpoint.address;
      // The label says which path found the address: logs and tests tell them apart by it.
      const label = fromSlice
        ? `pod IP of ${pod} from the EndpointSlices of ${service}`
        : `pod IP of Ready pod ${pod} selected by ${service}; its EndpointSlices list no ` +
          "ready address";
      return tls
        ? new TlsTransport(endpoint.address, endpoint.port, tls, label)
        : new DirectTransport(`http://${host}:${endpoint.port}`, label);
    }
  }
}

/** The fields of a discovery.k8s.io/v1 EndpointSlice that endpoint selection reads. */
export interface EndpointSlice extends KubeObject {
  addressType?: "IPv4" | "IPv6" | "FQDN";
  endpoints?: {
    addresses: string[];
    conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
    targetRef?: { kind?: string; name?: string; namespace?: string };
  }[];
  ports?: { name?: string; port?: number; protocol?: string }[] | null;
}

/**
 * First ready address, IPv4 before IPv6, in a stable order so repeated resolutions agree. A nil
 * `ready` counts as ready, as the EndpointSlice API specifies. The port comes from the slice's
 * port named `rest` (the pod's container port), falling back to `defaultPort`.
 */
export function pickReadyEndpoint(
  slices: EndpointSlice[],
  defaultPort: number,
): { address: string; port: number; pod?: string } | undefined {
  const candidates: { address: string; port: number; pod?: string; family: number }[] = [];
  for (const slice of slices) {
    if (slice.addressType !== "IPv4" && slice.addressType !== "IPv6") continue;
    const port = slice.ports?.find((p) => p.name === "rest")?.port ?? defaultPort;
    for (const ep of slice.endpoints ?? []) {
      if (ep.conditions?.ready === false || ep.conditions?.terminating === true) continue;
      for (const address of ep.addresses) {
        candidates.push({
          address,
          port,
          pod: ep.targetRef?.name,
          family: slice.addressType === "IPv4" ? 0 : 1,
        });
      }
    }
  }
  candidates.sort((a, b) => a.family - b.family || a.address.localeCompare(b.address));
  const first = candidates[0];
  return first && { address: first.address, port: first.port, pod: first.pod };
}

interface ServiceLike extends KubeObject {
  spec?: { selector?: Record<string, string> };
}

interface PodLike extends KubeObject {
  status?: { podIP?: string; conditions?: { type: string; status: string }[] };
}

/**
 * The API server refuses loopback and link-local addresses in EndpointSlices, so on a local
 * cluster whose pods live on 127.x addresses the slices stay empty. The Service's selector still
 * names the JobManager pods: take a Ready one's IP directly, which is what the endpointslice
 * controller would have published.
 */
async function readyPodBehindService(
  target: RestEndpointTarget,
  service: string,
  port: number,
): Promise<{ address: string; port: number; pod?: string } | undefined> {
  const kube = target.kube;
  if (!kube.get) return undefined;
  const svc = await kube.get<ServiceLike>(Resources.services, target.namespace, service);
  const selector = svc?.spec?.selector;
  if (!selector || Object.keys(selector).length === 0) return undefined;
  const labelSelector = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(",");
  const pods = await kube.list<PodLike>(Resources.pods, target.namespace, { labelSelector });
  const ready = pods.items
    .filter((p) => !p.metadata.deletionTimestamp && p.status?.podIP)
    .filter((p) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"))
    .sort((a, b) => a.status!.podIP!.localeCompare(b.status!.podIP!));
  const pod = ready[0];
  return pod && { address: pod.status!.podIP!, port, pod: pod.metadata.name };
}
