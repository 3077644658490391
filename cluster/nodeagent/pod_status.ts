import type { ContainerStatus, Pod, PodCondition, PodPhase, PodStatus } from "./pod_types.ts";

/** What the pod worker knows about a pod beyond its spec; input of computePodStatus. */
export interface PodRuntimeView {
  podIP?: string;
  startTime?: string;
  /** The "sandbox" exists: address assigned and volumes materialised. */
  readyToStartContainers: boolean;
  /** One per spec.initContainers entry, in order. */
  initContainerStatuses: ContainerStatus[];
  /** One per spec.containers entry, in order. */
  containerStatuses: ContainerStatus[];
  /** Once every init container has succeeded this stays true, as in kubelet. */
  initialized: boolean;
}

export const HOST_IP = "127.0.0.1";

/**
 * The status kubelet would report: phase from the container states, kubelet-owned conditions, and
 * the addresses. Condition transition times are carried over from `previous` while a condition's
 * status stays the same, so recomputing an unchanged pod yields an identical object and no write.
 */
export function computePodStatus(
  pod: Pod,
  view: PodRuntimeView,
  now: string,
  previous: PodStatus | undefined,
): PodStatus {
  const phase = podPhase(pod, view.initContainerStatuses, view.containerStatuses);
  const transitioned = (
    c: Omit<PodCondition, "lastTransitionTime" | "lastProbeTime">,
  ): PodCondition => {
    const before = previous?.conditions?.find((p) => p.type === c.type);
    const lastTransitionTime = before?.status === c.status && before.lastTransitionTime
      ? before.lastTransitionTime
      : now;
    return { ...c, lastProbeTime: null, lastTransitionTime };
  };

  const initNames = (pod.spec.initContainers ?? []).map((c) => c.name);
  const initialized = view.initialized || initNames.length === 0;
  const pendingInit = initNames.filter((name) => {
    const s = view.initContainerStatuses.find((st) => st.name === name);
    return !(s?.state.terminated?.exitCode === 0 || s?.started);
  });

  const unready = view.containerStatuses.filter((s) => !s.ready).map((s) => s.name);
  const completed = phase === "Succeeded";
  const containersReady = unready.length === 0 && view.containerStatuses.length > 0 && !completed;
  const gateProblem = readinessGateProblem(pod, previous);

  const conditions: PodCondition[] = [
    transitioned({
      type: "PodReadyToStartContainers",
      status: view.readyToStartContainers ? "True" : "False",
    }),
    initialized ? transitioned({ type: "Initialized", status: "True" }) : transitioned({
      type: "Initialized",
      status: "False",
      reason: "ContainersNotInitialized",
      message: `containers with incomplete status: [${pendingInit.join(" ")}]`,
    }),
    containersReady ? transitioned({ type: "ContainersReady", status: "True" }) : transitioned({
      type: "ContainersReady",
      status: "False",
      reason: completed ? "PodCompleted" : "ContainersNotReady",
      message: completed ? undefined : `containers with unready status: [${unready.join(" ")}]`,
    }),
    containersReady && !gateProblem
      ? transitioned({ type: "Ready", status: "True" })
      : transitioned({
        type: "Ready",
        status: "False",
        reason: completed
          ? "PodCompleted"
          : containersReady
          ? "ReadinessGatesNotReady"
          : "ContainersNotReady",
        message: completed
          ? undefined
          : containersReady
          ? gateProblem
          : `containers with unready status: [${unready.join(" ")}]`,
      }),
    transitioned({ type: "PodScheduled", status: "True" }),
  ].map(dropUndefined);

  const status: PodStatus = {
    phase,
    conditions,
    hostIP: HOST_IP,
    hostIPs: [{ ip: HOST_IP }],
    startTime: view.startTime,
    containerStatuses: view.containerStatuses,
  };
  if (view.podIP) {
    status.podIP = view.podIP;
    status.podIPs = [{ ip: view.podIP }];
  }
  if (view.initContainerStatuses.length) status.initContainerStatuses = view.initContainerStatuses;
  return status;
}

/** kubelet's getPhase, without sidecar subtleties beyond "a started sidecar is not pending". */
export function podPhase(
  pod: Pod,
  initStatuses: ContainerStatus[],
  statuses: ContainerStatus[],
): PodPhase {
  let pendingInit = 0;
  let failedInit = 0;
  for (const container of pod.spec.initContainers ?? []) {
    const s = initStatuses.find((st) => st.name === container.name);
    if (container.restartPolicy === "Always") {
      if (!s?.started) pendingInit++;
      continue;
    }
    if (!s) pendingInit++;
    else if (s.state.running) pendingInit++;
    else if (s.state.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInit++;
    } else if (s.lastState.terminated) {
      if (s.lastState.terminated.exitCode !== 0) failedInit++;
    } else pendingInit++;
  }

  let unknown = 0, running = 0, waiting = 0, stopped = 0, succeeded = 0;
  for (const container of pod.spec.containers) {
    const s = statuses.find((st) => st.name === container.name);
    if (!s) unknown++;
    else if (s.state.running) running++;
    else if (s.state.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state.waiting) {
      if (s.lastState.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }

  const restartPolicy = pod.spec.restartPolicy ?? "Always";
  if (failedInit > 0 && restartPolicy === "Never") return "Failed";
  if (pendingInit > 0 || waiting > 0) return "Pending";
  if (running > 0 && unknown === 0) return "Running";
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (restartPolicy === "Always") return "Running";
    if (stopped === succeeded) return "Succeeded";
    if (restartPolicy === "Never") return "Failed";
    return "Running";
  }
  return "Pending";
}

function readinessGateProblem(pod: Pod, previous: PodStatus | undefined): string | undefined {
  const conditions = pod.status?.conditions ?? previous?.conditions ?? [];
  for (const gate of pod.spec.readinessGates ?? []) {
    const condition = conditions.find((c) => c.type === gate.conditionType);
    if (!condition) {
      return `corresponding condition of pod readiness gate "${gate.conditionType}" does not exist.`;
    }
    if (condition.status !== "True") {
      return `the status of pod readiness gate "${gate.conditionType}" is not "True", but ${condition.status}`;
    }
  }
  return undefined;
}

function dropUndefined<T extends object>(obj: T): T {
  for (const key of Object.keys(obj) as (keyof T)[]) if (obj[key] === undefined) delete obj[key];
  return obj;
}
