import assert from "node:assert/strict";
import {
  endpointAddresses,
  hostsFileText,
  type PodView,
} from "../../cluster/flink-real/service_hosts.ts";

const self = { name: "tm-0", ip: "10.244.0.9" };

function pod(name: string, ip: string | undefined, extra: Partial<PodView> = {}): PodView {
  return {
    name,
    labels: { app: "c1", component: "jobmanager" },
    podIP: ip,
    running: true,
    ready: false,
    hasReadinessProbe: false,
    deleting: false,
    ...extra,
  };
}

const jmService = { name: "c1", selector: { app: "c1", component: "jobmanager" } };

Deno.test("real flink: a Service resolves to the pods it would publish", () => {
  const pods = [
    pod("jm-ready", "10.244.0.2", { ready: true, hasReadinessProbe: true }),
    pod("jm-running", "10.244.0.1"), // no readiness probe: ready once running, as kubelet says
    pod("jm-unready", "10.244.0.3", { hasReadinessProbe: true }),
    pod("jm-pending", "10.244.0.4", { running: false }),
    pod("jm-leaving", "10.244.0.5", { ready: true, deleting: true }),
    pod("other", "10.244.0.6", { ready: true, labels: { app: "c2", component: "jobmanager" } }),
  ];
  assert.deepEqual(endpointAddresses(jmService, pods, self), ["10.244.0.2", "10.244.0.1"]);
  assert.deepEqual(
    endpointAddresses({ ...jmService, publishNotReadyAddresses: true }, pods, self),
    ["10.244.0.2", "10.244.0.4", "10.244.0.1", "10.244.0.3"], // ready first, then by name
  );
  assert.deepEqual(endpointAddresses({ name: "external" }, pods, self), []);
});

Deno.test("real flink: a pod resolves itself before it reported an address", () => {
  const starting = pod("jm-0", undefined, { running: false });
  assert.deepEqual(
    endpointAddresses(jmService, [starting], { name: "jm-0", ip: "10.244.0.8" }),
    ["10.244.0.8"],
  );
});

Deno.test("real flink: the hosts file has every name cluster DNS answers to", () => {
  const text = hostsFileText({
    namespace: "ns1",
    services: [jmService, { name: "c1-rest", selector: jmService.selector }],
    pods: [pod("jm", "10.244.0.2", { ready: true })],
    self,
    hostname: "node-host",
  });
  const lines = text.trim().split("\n").filter((l) => !l.startsWith("#"));
  assert.deepEqual(lines, [
    // localhost is the pod itself: a pod's own servers answer on it.
    "10.244.0.9\tlocalhost tm-0 node-host",
    "::1\tip6-localhost ip6-loopback",
    "10.244.0.2\tc1 c1.ns1 c1.ns1.svc c1.ns1.svc.cluster.local",
    "10.244.0.2\tc1-rest c1-rest.ns1 c1-rest.ns1.svc c1-rest.ns1.svc.cluster.local",
  ]);
});
