import assert from "node:assert/strict";
import {
  computePodStatus,
  podPhase,
  type PodRuntimeView,
} from "../../cluster/nodeagent/pod_status.ts";
import type { ContainerStatus, Pod } from "../../cluster/nodeagent/pod_types.ts";

const T0 = "2025-01-01T00:00:00.000Z";
const T1 = "2025-01-01T00:01:00.000Z";

function pod(spec: Partial<Pod["spec"]> = {}): Pod {
  return {
    metadata: { name: "p", namespace: "ns", uid: "u" },
    spec: { containers: [{ name: "a" }, { name: "b" }], ...spec },
  };
}

function cs(name: string, state: ContainerStatus["state"], extra: Partial<ContainerStatus> = {}) {
  return {
    name,
    image: "flink",
    imageID: "",
    ready: false,
    restartCount: 0,
    state,
    lastState: {},
    ...extra,
  } satisfies ContainerStatus;
}

const running = (name: string, ready = true) =>
  cs(name, { running: { startedAt: T0 } }, { ready, started: true });
const exited = (name: string, exitCode: number) =>
  cs(name, { terminated: { exitCode, reason: exitCode ? "Error" : "Completed", finishedAt: T0 } });
const crashLooping = (name: string) =>
  cs(name, { waiting: { reason: "CrashLoopBackOff" } }, {
    lastState: { terminated: { exitCode: 1, reason: "Error", finishedAt: T0 } },
  });
const creating = (name: string) => cs(name, { waiting: { reason: "ContainerCreating" } });

Deno.test("pod status: phase follows kubelet's rules", () => {
  const p = pod();
  assert.equal(podPhase(p, [], [creating("a"), creating("b")]), "Pending");
  assert.equal(podPhase(p, [], [running("a"), creating("b")]), "Pending");
  assert.equal(podPhase(p, [], [running("a"), running("b")]), "Running");
  assert.equal(podPhase(p, [], [running("a"), crashLooping("b")]), "Running");
  assert.equal(podPhase(p, [], [exited("a", 0), exited("b", 1)]), "Running", "Always restarts");
  const never = pod({ restartPolicy: "Never" });
  assert.equal(podPhase(never, [], [exited("a", 0), exited("b", 0)]), "Succeeded");
  assert.equal(podPhase(never, [], [exited("a", 0), exited("b", 1)]), "Failed");
  assert.equal(podPhase(never, [], [running("a"), exited("b", 1)]), "Running");
  const onFailure = pod({ restartPolicy: "OnFailure" });
  assert.equal(podPhase(onFailure, [], [exited("a", 0), exited("b", 0)]), "Succeeded");
  assert.equal(podPhase(onFailure, [], [exited("a", 0), crashLooping("b")]), "Running");
});

Deno.test("pod status: init containers keep the pod Pending; a failed one under Never fails it", () => {
  const p = pod({ initContainers: [{ name: "i" }], restartPolicy: "Never" });
  assert.equal(podPhase(p, [running("i")], [creating("a"), creating("b")]), "Pending");
  assert.equal(podPhase(p, [exited("i", 0)], [running("a"), running("b")]), "Running");
  assert.equal(podPhase(p, [exited("i", 1)], [creating("a"), creating("b")]), "Failed");
  const always = pod({ initContainers: [{ name: "i" }] });
  assert.equal(podPhase(always, [crashLooping("i")], [creating("a"), creating("b")]), "Pending");
});

const view = (extra: Partial<PodRuntimeView> = {}): PodRuntimeView => ({
  podIP: "127.1.0.9",
  startTime: T0,
  readyToStartContainers: true,
  initContainerStatuses: [],
  containerStatuses: [running("a"), running("b", false)],
  initialized: true,
  ...extra,
});

Deno.test("pod status: conditions name the unready containers and keep transition times", () => {
  const first = computePodStatus(pod(), view(), T0, undefined);
  assert.equal(first.phase, "Running");
  assert.deepEqual(first.podIPs, [{ ip: "127.1.0.9" }]);
  assert.equal(first.hostIP, "127.0.0.1");
  const ready = first.conditions!.find((c) => c.type === "Ready")!;
  assert.deepEqual(ready, {
    type: "Ready",
    status: "False",
    reason: "ContainersNotReady",
    message: "containers with unready status: [b]",
    lastProbeTime: null,
    lastTransitionTime: T0,
  });
  assert.deepEqual(
    first.conditions!.map((c) => c.type),
    ["PodReadyToStartContainers", "Initialized", "ContainersReady", "Ready", "PodScheduled"],
  );

  const same = computePodStatus(pod(), view(), T1, first);
  assert.deepEqual(same, first, "nothing changed: identical status, so nothing to write");

  const allReady = computePodStatus(
    pod(),
    view({ containerStatuses: [running("a"), running("b")] }),
    T1,
    first,
  );
  const readyNow = allReady.conditions!.find((c) => c.type === "Ready")!;
  assert.equal(readyNow.status, "True");
  assert.equal(readyNow.lastTransitionTime, T1);
  assert.equal(
    allReady.conditions!.find((c) => c.type === "Initialized")!.lastTransitionTime,
    T0,
  );
});

Deno.test("pod status: readiness gates hold Ready back until their condition is True", () => {
  const gated = pod({ readinessGates: [{ conditionType: "example.com/gate" }] });
  const v = view({ containerStatuses: [running("a"), running("b")] });
  const blocked = computePodStatus(gated, v, T0, undefined);
  assert.equal(blocked.conditions!.find((c) => c.type === "ContainersReady")!.status, "True");
  const ready = blocked.conditions!.find((c) => c.type === "Ready")!;
  assert.equal(ready.status, "False");
  assert.equal(ready.reason, "ReadinessGatesNotReady");

  gated.status = { conditions: [{ type: "example.com/gate", status: "True" }] };
  const open = computePodStatus(gated, v, T1, blocked);
  assert.equal(open.conditions!.find((c) => c.type === "Ready")!.status, "True");
});

Deno.test("pod status: completed pods report PodCompleted; no address before one is assigned", () => {
  const done = computePodStatus(
    pod({ restartPolicy: "Never" }),
    view({ containerStatuses: [exited("a", 0), exited("b", 0)] }),
    T0,
    undefined,
  );
  assert.equal(done.phase, "Succeeded");
  assert.equal(done.conditions!.find((c) => c.type === "Ready")!.reason, "PodCompleted");

  const early = computePodStatus(
    pod({ initContainers: [{ name: "i" }] }),
    view({
      podIP: undefined,
      readyToStartContainers: false,
      initialized: false,
      initContainerStatuses: [creating("i")],
      containerStatuses: [creating("a"), creating("b")],
    }),
    T0,
    undefined,
  );
  assert.equal(early.phase, "Pending");
  assert.equal(early.podIP, undefined);
  assert.equal(early.podIPs, undefined);
  const init = early.conditions!.find((c) => c.type === "Initialized")!;
  assert.equal(init.message, "containers with incomplete status: [i]");
});
