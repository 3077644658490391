import { quantityValue } from "../../lib/kube/quantity.ts";
import { NODE_CAPACITY } from "./node_object.ts";
import type { Container, Pod } from "./pod_types.ts";

/**
 * Values of the downward API, shared by env vars (`valueFrom.fieldRef/resourceFieldRef`) and
 * `downwardAPI` volumes. The pod's IP is passed separately because the agent knows it before the
 * API server's copy of the pod reports it.
 */
export class DownwardApiError extends Error {}

export function fieldRefValue(pod: Pod, fieldPath: string, podIP: string): string {
  const meta = pod.metadata;
  const keyed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (keyed) {
    const map = keyed[1] === "labels" ? meta.labels : meta.annotations;
    return map?.[keyed[2]] ?? "";
  }
  switch (fieldPath) {
    case "metadata.name":
      return meta.name ?? "";
    case "metadata.namespace":
      return meta.namespace ?? "";
    case "metadata.uid":
      return meta.uid ?? "";
    case "metadata.labels":
      return formatMap(meta.labels);
    case "metadata.annotations":
      return formatMap(meta.annotations);
    case "spec.nodeName":
      return pod.spec.nodeName ?? "";
    case "spec.serviceAccountName":
      return pod.spec.serviceAccountName ?? "";
    case "status.hostIP":
    case "status.hostIPs":
      return "127.0.0.1";
    case "status.podIP":
    case "status.podIPs":
      return podIP;
    default:
      throw new DownwardApiError(`unsupported fieldRef fieldPath "${fieldPath}"`);
  }
}

/** `limits.cpu`, `requests.memory`, …; an unset limit reports the node's allocatable, as kubelet. */
export function resourceFieldValue(
  container: Container | undefined,
  resource: string,
  divisor = "1",
): string {
  const [kind, name] = resource.split(".", 2) as ["limits" | "requests", string];
  if ((kind !== "limits" && kind !== "requests") || !name) {
    throw new DownwardApiError(`unsupported resourceFieldRef resource "${resource}"`);
  }
  const declared = container?.resources?.[kind]?.[name] ??
    (kind === "requests" ? container?.resources?.limits?.[name] : undefined);
  const fallback = kind === "limits" ? NODE_CAPACITY[name as keyof typeof NODE_CAPACITY] : "0";
  const value = parseQuantity(declared ?? fallback ?? "0");
  const unit = parseQuantity(divisor);
  if (!(unit > 0)) throw new DownwardApiError(`invalid divisor "${divisor}"`);
  return String(Math.ceil(value / unit));
}

/**
 * Parses a Kubernetes resource quantity ("500m", "2Gi", "1e3") to a plain number; NaN when it is
 * none. The sub-milli suffixes n and u are not read.
 */
export function parseQuantity(text: string): number {
  if (/[nu]$/.test(text.trim())) return NaN;
  return quantityValue(text) ?? NaN;
}

/** The `key="value"` lines kubelet writes for metadata.labels/annotations, sorted by key. */
function formatMap(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {}).sort().map((k) => `${k}=${JSON.stringify(map![k])}`).join("\n");
}
