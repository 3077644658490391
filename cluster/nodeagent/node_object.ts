import type { KubeObject } from "../../lib/kube/resource.ts";

/**
 * What the node reports as capacity. The simulated Flink processes are small, and the operator's
 * pods still declare real-cluster requests (e.g. 2 CPU, 2 GiB per TaskManager), so the node claims
 * enough for well over 1000 such pods; nothing enforces the numbers.
 */
export const NODE_CAPACITY = {
  cpu: "4000",
  memory: "8Ti",
  pods: "2000",
  "ephemeral-storage": "10Ti",
} as const;

export const AGENT_VERSION = "v1.35.4-flinkop-node-agent";

export interface NodeObject extends KubeObject {
  spec?: Record<string, unknown>;
  status?: {
    conditions?: NodeCondition[];
    [extra: string]: unknown;
  };
}

export interface NodeCondition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

export function nodeLabels(nodeName: string): Record<string, string> {
  return {
    "kubernetes.io/hostname": nodeName,
    "kubernetes.io/os": "linux",
    "kubernetes.io/arch": Deno.build.arch === "aarch64" ? "arm64" : "amd64",
    "node.flinkop.dev/agent": "true",
  };
}

export function newNode(nodeName: string): NodeObject {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: nodeName, labels: nodeLabels(nodeName) },
    spec: {},
  };
}

/**
 * The full status the agent owns. Transition times of conditions whose status did not change are
 * carried over from `previous`, as kubelet does; heartbeats always move to `now`.
 */
export function nodeStatus(opts: {
  nodeName: string;
  now: string;
  previous?: NodeCondition[];
  bootId: string;
}): NodeObject["status"] {
  const { nodeName, now, previous = [], bootId } = opts;
  const condition = (
    type: string,
    status: NodeCondition["status"],
    reason: string,
    message: string,
  ): NodeCondition => {
    const before = previous.find((c) => c.type === type);
    return {
      type,
      status,
      reason,
      message,
      lastHeartbeatTime: now,
      lastTransitionTime: before?.status === status && before.lastTransitionTime
        ? before.lastTransitionTime
        : now,
    };
  };
  return {
    capacity: { ...NODE_CAPACITY },
    allocatable: { ...NODE_CAPACITY },
    conditions: [
      condition(
        "MemoryPressure",
        "False",
        "KubeletHasSufficientMemory",
        "node agent has sufficient memory available",
      ),
      condition(
        "DiskPressure",
        "False",
        "KubeletHasNoDiskPressure",
        "node agent has no disk pressure",
      ),
      condition(
        "PIDPressure",
        "False",
        "KubeletHasSufficientPID",
        "node agent has sufficient PID available",
      ),
      condition("Ready", "True", "KubeletReady", "flinkop node agent is posting ready status"),
    ],
    addresses: [
      { type: "InternalIP", address: "127.0.0.1" },
      { type: "Hostname", address: nodeName },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 0 } },
    nodeInfo: {
      machineID: nodeName,
      systemUUID: nodeName,
      bootID: bootId,
      kernelVersion: Deno.osRelease(),
      osImage: `flinkop node agent on ${Deno.build.os}`,
      containerRuntimeVersion: "flinkop-node-agent://1",
      kubeletVersion: AGENT_VERSION,
      kubeProxyVersion: "",
      operatingSystem: "linux",
      architecture: Deno.build.arch === "aarch64" ? "arm64" : "amd64",
    },
  };
}
