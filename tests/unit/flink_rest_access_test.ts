import assert from "node:assert/strict";
import type { KubeClient } from "../../lib/kube/client.ts";
import type { ObjectList } from "../../lib/kube/resource.ts";
import {
  chooseRestAccessMode,
  type EndpointSlice,
  isLoopbackHost,
  isRunningInPod,
  parseRestAccessMode,
  pickReadyEndpoint,
  resolveTransport,
} from "../../lib/flink/rest/endpoint.ts";
import { FlinkUnreachableError } from "../../lib/flink/rest/errors.ts";
import { ApiServerProxyTransport, DirectTransport } from "../../lib/flink/rest/transport.ts";

Deno.test("isLoopbackHost", () => {
  const loopback = [
    "localhost",
    "LOCALHOST",
    "localhost.",
    "flink.localhost",
    "127.0.0.1",
    "127.1.2.3",
    "127.255.255.255",
    "::1",
    "[::1]",
    "0:0:0:0:0:0:0:1",
    "::ffff:127.0.0.1",
    "[::ffff:7f00:1]",
  ];
  const remote = [
    "",
    "10.0.0.1",
    "128.0.0.1",
    "127.0.0.256",
    "1270.0.0.1",
    "localhost.example.com",
    "k8s.example.com",
    "::2",
    "[::ffff:a00:1]",
    "::ffff:10.0.0.1",
    "fe80::1",
  ];
  for (const h of loopback) assert.equal(isLoopbackHost(h), true, h);
  for (const h of remote) assert.equal(isLoopbackHost(h), false, h);
});

Deno.test("chooseRestAccessMode decision table", () => {
  const cases: {
    explicit?: "service-dns" | "pod-ip" | "api-proxy";
    inCluster: boolean;
    apiServerUrl: string;
    mode: string;
  }[] = [
    // An explicit choice always wins.
    {
      explicit: "api-proxy",
      inCluster: true,
      apiServerUrl: "https://10.96.0.1",
      mode: "api-proxy",
    },
    {
      explicit: "pod-ip",
      inCluster: false,
      apiServerUrl: "https://k8s.example.com",
      mode: "pod-ip",
    },
    {
      explicit: "service-dns",
      inCluster: false,
      apiServerUrl: "https://127.0.0.1:6443",
      mode: "service-dns",
    },
    // In a pod: FKO's default address.
    { inCluster: true, apiServerUrl: "https://10.96.0.1:443", mode: "service-dns" },
    { inCluster: true, apiServerUrl: "https://127.0.0.1:6443", mode: "service-dns" },
    // Out of cluster against the embedded local cluster.
    { inCluster: false, apiServerUrl: "https://127.0.0.1:6443", mode: "pod-ip" },
    { inCluster: false, apiServerUrl: "http://localhost:8080", mode: "pod-ip" },
    { inCluster: false, apiServerUrl: "https://[::1]:6443", mode: "pod-ip" },
    // A laptop against a remote cluster.
    { inCluster: false, apiServerUrl: "https://k8s.example.com", mode: "api-proxy" },
    { inCluster: false, apiServerUrl: "https://192.168.49.2:8443", mode: "api-proxy" },
    { inCluster: false, apiServerUrl: "not a url", mode: "api-proxy" },
  ];
  for (const c of cases) {
    const decision = chooseRestAccessMode(c);
    assert.equal(decision.mode, c.mode, JSON.stringify(c));
    assert.ok(decision.reason.length > 0);
  }
  assert.equal(
    chooseRestAccessMode({ explicit: "pod-ip", inCluster: true, apiServerUrl: "x" }).reason,
    "set explicitly",
  );
});

Deno.test("parseRestAccessMode accepts the three modes and names them when wrong", () => {
  assert.equal(parseRestAccessMode("service-dns"), "service-dns");
  assert.equal(parseRestAccessMode(" Pod-IP "), "pod-ip");
  assert.equal(parseRestAccessMode("api-proxy"), "api-proxy");
  assert.throws(() => parseRestAccessMode("ingress"), /service-dns, pod-ip, api-proxy/);
});

Deno.test("isRunningInPod needs both KUBERNETES_SERVICE_HOST and a token file", () => {
  const saved = Deno.env.get("KUBERNETES_SERVICE_HOST");
  const token = Deno.makeTempFileSync();
  try {
    Deno.env.delete("KUBERNETES_SERVICE_HOST");
    assert.equal(isRunningInPod(token), false);
    Deno.env.set("KUBERNETES_SERVICE_HOST", "10.96.0.1");
    assert.equal(isRunningInPod(token), true);
    assert.equal(isRunningInPod(token + ".missing"), false);
  } finally {
    if (saved === undefined) Deno.env.delete("KUBERNETES_SERVICE_HOST");
    else Deno.env.set("KUBERNETES_SERVICE_HOST", saved);
    Deno.removeSync(token);
  }
});

function slice(
  addressType: EndpointSlice["addressType"],
  endpoints: EndpointSlice["endpoints"],
  ports: EndpointSlice["ports"] = [{ name: "rest", port: 8081, protocol: "TCP" }],
): EndpointSlice {
  return { metadata: { name: "sm-rest-abcde" }, addressType, endpoints, ports };
}

Deno.test("pickReadyEndpoint skips not-ready and terminating endpoints, prefers IPv4", () => {
  const slices = [
    slice("IPv6", [{ addresses: ["fd00::5"], conditions: { ready: true } }]),
    slice("FQDN", [{ addresses: ["jm.example.com"], conditions: { ready: true } }]),
    slice("IPv4", [
      { addresses: ["127.0.0.9"], conditions: { ready: false } },
      { addresses: ["127.0.0.8"], conditions: { ready: true, terminating: true } },
      { addresses: ["127.0.0.7"], conditions: { ready: true }, targetRef: { name: "sm-jm-0" } },
    ]),
  ];
  assert.deepEqual(pickReadyEndpoint(slices, 8081), {
    address: "127.0.0.7",
    port: 8081,
    pod: "sm-jm-0",
  });
  // Only IPv6 left; an unset `ready` counts as ready; the rest port comes from the slice.
  assert.deepEqual(
    pickReadyEndpoint(
      [slice("IPv6", [{ addresses: ["fd00::5"] }], [{ name: "rest", port: 9091 }])],
      8081,
    ),
    { address: "fd00::5", port: 9091, pod: undefined },
  );
  // No port named rest: the caller's port.
  assert.equal(
    pickReadyEndpoint([slice("IPv4", [{ addresses: ["10.0.0.1"] }], null)], 8082)?.port,
    8082,
  );
  assert.equal(
    pickReadyEndpoint(
      [slice("IPv4", [{ addresses: ["10.0.0.1"], conditions: { ready: false } }])],
      1,
    ),
    undefined,
  );
  assert.equal(pickReadyEndpoint([], 8081), undefined);
});

/** A KubeClient stand-in that answers EndpointSlice lists and records the queries. */
function fakeKube(slices: EndpointSlice[]) {
  const listed: { plural: string; namespace?: string; labelSelector?: string }[] = [];
  const kube = {
    list: (type: { plural: string }, namespace?: string, opts?: { labelSelector?: string }) => {
      listed.push({ plural: type.plural, namespace, labelSelector: opts?.labelSelector });
      return Promise.resolve({ metadata: {}, items: slices } as ObjectList<EndpointSlice>);
    },
    fetch: () => Promise.reject(new Error("not used")),
  } as unknown as Pick<KubeClient, "fetch" | "list">;
  return { kube, listed };
}

Deno.test("resolveTransport: service-dns is FKO's <cluster-id>-rest.<namespace>:<port>", async () => {
  const { kube } = fakeKube([]);
  const t = await resolveTransport({
    mode: "service-dns",
    kube,
    namespace: "flink",
    clusterId: "state-machine",
    port: 8081,
  });
  assert.ok(t instanceof DirectTransport);
  assert.equal(t.baseUrl, "http://state-machine-rest.flink:8081");
});

Deno.test("resolveTransport: api-proxy targets the rest Service through the API server", async () => {
  const { kube } = fakeKube([]);
  const t = await resolveTransport({
    mode: "api-proxy",
    kube,
    namespace: "flink",
    clusterId: "sm",
  });
  assert.ok(t instanceof ApiServerProxyTransport);
  assert.equal(t.service, "sm-rest");
  assert.equal(t.port, 8081);
  assert.equal(t.describe(), "API-server proxy to service flink/sm-rest:8081");
});

Deno.test("resolveTransport: pod-ip reads the rest Service's EndpointSlices", async () => {
  const { kube, listed } = fakeKube([
    slice("IPv4", [{ addresses: ["127.0.0.12"], conditions: { ready: true } }], [
      { name: "rest", port: 18081 },
    ]),
  ]);
  const t = await resolveTransport({ mode: "pod-ip", kube, namespace: "flink", clusterId: "sm" });
  assert.ok(t instanceof DirectTransport);
  assert.equal(t.baseUrl, "http://127.0.0.12:18081");
  assert.match(t.describe(), /from the EndpointSlices of sm-rest\)$/);
  assert.deepEqual(listed, [{
    plural: "endpointslices",
    namespace: "flink",
    labelSelector: "kubernetes.io/service-name=sm-rest",
  }]);

  const v6 = await resolveTransport({
    mode: "pod-ip",
    kube: fakeKube([slice("IPv6", [{ addresses: ["fd00::7"] }])]).kube,
    namespace: "flink",
    clusterId: "sm",
  });
  assert.equal((v6 as DirectTransport).baseUrl, "http://[fd00::7]:8081");
});

Deno.test("resolveTransport: pod-ip without a ready endpoint is unreachable", async () => {
  const { kube } = fakeKube([
    slice("IPv4", [{ addresses: ["127.0.0.12"], conditions: { ready: false } }]),
  ]);
  await assert.rejects(
    resolveTransport({ mode: "pod-ip", kube, namespace: "flink", clusterId: "sm" }),
    (err: unknown) =>
      err instanceof FlinkUnreachableError && /no ready JobManager endpoint/.test(err.message) &&
      /flink\/sm-rest/.test(err.message),
  );
});

Deno.test("resolveTransport: pod-ip falls back to a Ready pod of the Service, and says so", async () => {
  const calls: string[] = [];
  const pod = (name: string, ip: string, ready: string, deleting = false) => ({
    metadata: { name, ...(deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}) },
    status: { podIP: ip, conditions: [{ type: "Ready", status: ready }] },
  });
  const kube = {
    list: (type: { plural: string }, _ns?: string, opts?: { labelSelector?: string }) => {
      calls.push(`list ${type.plural} ${opts?.labelSelector}`);
      const items = type.plural === "pods"
        ? [
          pod("jm-b", "10.244.0.9", "True"),
          pod("jm-a", "10.244.0.8", "False"),
          pod("jm-old", "10.244.0.2", "True", true),
        ]
        : [slice("IPv4", [{ addresses: ["10.244.0.8"], conditions: { ready: false } }])];
      return Promise.resolve({ metadata: {}, items });
    },
    get: (type: { plural: string }, _ns: string, name: string) => {
      calls.push(`get ${type.plural} ${name}`);
      return Promise.resolve({ metadata: { name }, spec: { selector: { app: "sm" } } });
    },
    fetch: () => Promise.reject(new Error("not used")),
  } as unknown as Pick<KubeClient, "fetch" | "list" | "get">;
  const t = await resolveTransport({ mode: "pod-ip", kube, namespace: "flink", clusterId: "sm" });
  assert.equal((t as DirectTransport).baseUrl, "http://10.244.0.9:8081");
  assert.match(t.describe(), /pod IP of Ready pod jm-b selected by sm-rest; its EndpointSlices/);
  assert.deepEqual(calls, [
    "list endpointslices kubernetes.io/service-name=sm-rest",
    "get services sm-rest",
    "list pods app=sm",
  ]);
});
