/**
 * The operator's REST access modes on the real API server with a real pod network (the network
 * namespace `deno task test` runs in, docs/local-cluster.md): `api-proxy` end to end through
 * kube-apiserver's service proxy, and `pod-ip` through the EndpointSlices the endpointslice
 * controller publishes. Ignored where pods have loopback addresses, which EndpointSlices refuse
 * and the API server does not proxy to.
 */
import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import { KubeClient } from "../../lib/kube/client.ts";
import { resolveConnection } from "../../lib/kube/kubeconfig.ts";
import { type KubeObject, Resources, type ResourceType } from "../../lib/kube/resource.ts";
import { FlinkDeployments } from "../../lib/flink/resources.ts";
import { FlinkRestClient } from "../../lib/flink/rest/client.ts";
import { resolveTransport } from "../../lib/flink/rest/endpoint.ts";
import { FlinkUnreachableError } from "../../lib/flink/rest/errors.ts";
import {
  ApiServerProxyTransport,
  DirectTransport,
  type RestTransport,
} from "../../lib/flink/rest/transport.ts";
import { testKubeconfig, waitFor } from "../support/cluster.ts";
import { integrationTest } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import {
  application,
  eventsFor,
  type Fd,
  isRunningStable,
  patchSpec,
  upgradeSnapshots,
  waitForFd,
} from "../support/flink.ts";
import { testPodCidr } from "../support/pod_network.ts";

const repoRoot = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

const podCidr = testPodCidr();
/** tests/run.ts prints why when it runs the tests without a pod network. */
const ignore = podCidr === undefined;

/**
 * Records every fetch of this process that goes anywhere but the API server while the operator
 * runs: an api-proxy operator must make none (it would reach the pods here, so it is recorded
 * rather than blocked, and the test fails with the list).
 */
function recordDirectFetches(server: string) {
  const original = globalThis.fetch;
  const origin = new URL(server).origin;
  const direct: string[] = [];
  globalThis.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input);
    if (url.origin !== origin) direct.push(`${init?.method ?? "GET"} ${url.href}`);
    return original(input, init);
  };
  return {
    direct,
    [Symbol.dispose]() {
      globalThis.fetch = original;
    },
  };
}

/** Answered requests the API server proxied to Services so far (its own request counter). */
async function proxiedRequests(client: KubeClient): Promise<number> {
  const res = await client.fetch("GET", "/metrics", { accept: "text/plain", timeoutMs: 10_000 });
  const text = await res.text();
  assert.equal(res.status, 200, `GET /metrics: ${text.slice(0, 200)}`);
  let total = 0;
  for (const line of text.split("\n")) {
    if (
      line.startsWith("apiserver_request_total{") && line.includes('resource="services"') &&
      line.includes('subresource="proxy"') && /code="2\d\d"/.test(line)
    ) {
      total += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return total;
}

/** The simulated job's counter, read through the API server's service proxy. */
async function counterViaProxy(client: KubeClient, ns: string, name: string): Promise<number> {
  const fd = await client.get<Fd>(FlinkDeployments, ns, name);
  const jobId = fd?.status?.jobStatus?.jobId;
  if (!jobId) throw new Error(`${name} has no job id`);
  const res = await client.fetch(
    "GET",
    `/api/v1/namespaces/${ns}/services/${name}-rest:8081/proxy/v1/jobs/${jobId}/accumulators`,
    { timeoutMs: 10_000 },
  );
  const body = await res.json() as { "user-task-accumulators"?: { name: string; value: string }[] };
  const entry = body["user-task-accumulators"]?.find((a) => a.name === "counter");
  if (!entry) throw new Error(`no counter for job ${jobId} (HTTP ${res.status}): ${body}`);
  return Number(entry.value);
}

integrationTest(
  "api-proxy: a savepoint upgrade with the operator reaching JobManagers only via the API server",
  async ({ client, ns }) => {
    const proxiedBefore = await proxiedRequests(client);
    using fetches = recordDirectFetches(client.server);
    const op = await startOperator(client, ns, {}, { restAccess: "api-proxy" });
    try {
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "ap", { upgradeMode: "savepoint" }),
      );
      const running = await waitForFd(client, ns, "ap", "running and stable", isRunningStable);
      await waitFor("ap's counter to reach 5", async () => {
        return (await counterViaProxy(client, ns, "ap").catch(() => 0)) >= 5;
      });
      await patchSpec(client, ns, "ap", { job: { args: ["--upgraded"] } });
      const stoppedAt = await counterViaProxy(client, ns, "ap").catch(() => 0);
      const generation = running.metadata.generation! + 1;
      const fd = await waitForFd(
        client,
        ns,
        "ap",
        `generation ${generation} running and stable`,
        (fd) => fd.status?.observedGeneration === generation && isRunningStable(fd),
      );
      const js = fd.status!.jobStatus!;
      assert.notEqual(js.jobId, running.status!.jobStatus!.jobId, "a new job after the upgrade");
      assert.match(js.upgradeSavepointPath ?? "", /savepoint-/);
      const snapshots = await upgradeSnapshots(client, ns, "ap");
      assert.equal(snapshots.length, 1, "one UPGRADE snapshot");
      assert.equal(snapshots[0].status?.path, js.upgradeSavepointPath);
      const counter = await counterViaProxy(client, ns, "ap");
      assert.ok(counter >= stoppedAt, `state must continue: ${counter} < ${stoppedAt}`);
      const reasons = (await eventsFor(client, ns, "ap")).map((e) => e.reason);
      assert.ok(reasons.includes("SpecChanged") && reasons.includes("Suspended"), `${reasons}`);
    } finally {
      await op.stop();
    }
    assert.deepEqual(fetches.direct, [], "requests that bypassed the API server");
    const proxied = (await proxiedRequests(client)) - proxiedBefore;
    // At least the stop-with-savepoint, one poll of it, and one observation of each job (about
    // 15 in practice).
    assert.ok(proxied >= 4, `the API server proxied only ${proxied} requests`);
  },
  { ignore },
);

integrationTest(
  "pod-ip: the JobManager's address comes from its REST Service's EndpointSlice",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(FlinkDeployments, ns, application(ns, "eps"));
      const fd = await waitForFd(client, ns, "eps", "running and stable", isRunningStable);
      const pods = await client.list<KubeObject & { status?: { podIP?: string } }>(
        Resources.pods,
        ns,
        { labelSelector: "app=eps,component=jobmanager" },
      );
      assert.equal(pods.items.length, 1);
      const pod = pods.items[0];
      const ip = pod.status!.podIP!;
      assert.ok(inCidr(ip, podCidr!), `JobManager pod address ${ip} is in the pod CIDR ${podCidr}`);

      // Resolve as the operator does, recording which API calls that takes.
      const calls: string[] = [];
      const kube = {
        list: <T extends KubeObject>(
          type: ResourceType,
          namespace?: string,
          opts?: { labelSelector?: string },
        ) => {
          calls.push(`list ${type.plural}`);
          return client.list<T>(type, namespace, opts);
        },
        get: <T extends KubeObject>(type: ResourceType, namespace: string, name: string) => {
          calls.push(`get ${type.plural}`);
          return client.get<T>(type, namespace, name);
        },
        fetch: client.fetch.bind(client),
      };
      const transport = await resolveTransport({
        mode: "pod-ip",
        kube,
        namespace: ns,
        clusterId: "eps",
      });
      assert.deepEqual(calls, ["list endpointslices"], "no fallback to the Service's pods");
      assert.ok(transport instanceof DirectTransport);
      assert.equal(transport.baseUrl, `http://${ip}:8081`);
      assert.equal(
        transport.describe(),
        `http://${ip}:8081 (pod IP of ${pod.metadata.name} from the EndpointSlices of eps-rest)`,
      );
      const jobs = await new FlinkRestClient(transport).listJobs();
      assert.deepEqual(jobs.map((j) => j.jid), [fd.status!.jobStatus!.jobId]);
    } finally {
      await op.stop();
    }
  },
  { ignore },
);

integrationTest(
  "api-proxy: each HTTP method reaches Flink through the real API server; its refusals do not",
  async ({ client, ns }) => {
    await jobManagerBehind(client, ns, "sess");
    const proxy = (service: string, port = 8081): RestTransport =>
      new ApiServerProxyTransport(client, ns, service, port);
    const flink = new FlinkRestClient(proxy("sess-rest"));
    assert.match((await flink.config()).flinkVersion ?? "", /^1\.20/);

    // As the operator's identity: the services/proxy rule of deploy/rbac-namespaced.yaml only.
    const user = `flinkop-proxy-${ns}`;
    await grantRole(client, ns, user, [await shippedProxyRule()]);
    const operator = await impersonating(user);
    try {
      const rest = new FlinkRestClient(
        new ApiServerProxyTransport(operator, ns, "sess-rest", 8081),
      );
      const jar = new TextEncoder().encode("PK\u0003\u0004 not really a jar");
      const jarId = await rest.uploadJar(jar, "job.jar"); // POST, multipart
      const jobId = await rest.runJar(jarId, { parallelism: 1 }, "v1_20"); // POST, JSON
      assert.match(jobId, /^[0-9a-f]{32}$/);
      assert.ok((await rest.listJobs()).some((j) => j.jid === jobId)); // GET
      await rest.updateResourceRequirements(jobId, {}).catch((err) => { // PUT
        assert.ok(!(err instanceof FlinkUnreachableError), `PUT was refused: ${err}`);
      });
      assert.equal(await rest.cancelJob(jobId), "cancelled"); // PATCH
      await rest.deleteJar(jarId); // DELETE
      // Flink's own 404 passes through and keeps its meaning.
      assert.equal(await rest.cancelJob("0".repeat(32)), "missing");
    } finally {
      operator.close();
    }

    // A user with `get` only: the API server refuses the POST itself.
    const reader = `flinkop-reader-${ns}`;
    await grantRole(client, ns, reader, [{
      apiGroups: [""],
      resources: ["services/proxy"],
      verbs: ["get"],
    }]);
    const readOnly = await impersonating(reader);
    try {
      const rest = new FlinkRestClient(
        new ApiServerProxyTransport(readOnly, ns, "sess-rest", 8081),
      );
      assert.match((await rest.config()).flinkVersion ?? "", /^1\.20/);
      await assert.rejects(
        rest.triggerSavepoint("0".repeat(32), { formatType: "CANONICAL" }),
        (err) =>
          err instanceof FlinkUnreachableError && /HTTP 403/.test(err.message) &&
          /needs RBAC for services\/proxy/.test(err.message),
      );
    } finally {
      readOnly.close();
    }

    // The API server's own answers: unreachable, never mistaken for Flink's.
    await service(client, ns, "no-pods", { app: "nothing-here" }, 8081);
    await service(client, ns, "wrong-port", { app: "sess" }, 9999);
    const cases: [string, RegExp][] = [
      ["absent-rest", /found no such service: services "absent-rest" not found/],
      ["no-pods", /no endpoints available for service "no-pods"/],
      [
        "wrong-port",
        /error trying to reach service: dial tcp [\d.]+:9999: connect: connection refused/,
      ],
    ];
    for (const [name, message] of cases) {
      await waitFor(`the proxy to ${name} to answer as expected`, async () => {
        const err = await new FlinkRestClient(proxy(name)).cancelJob("0".repeat(32))
          .then((outcome) => new Error(`answered ${outcome}`), (e) => e);
        return err instanceof FlinkUnreachableError && message.test(err.message);
      }, { timeoutMs: 20_000 });
    }
  },
  { ignore },
);

/** A session JobManager (simulated) behind Service `<name>-rest`, Ready. */
async function jobManagerBehind(client: KubeClient, ns: string, name: string): Promise<void> {
  await client.create(Resources.deployments, ns, {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 5,
          containers: [{
            name: "flink-main-container",
            image: "flink:1.20",
            args: ["jobmanager"],
            ports: [{ name: "rest", containerPort: 8081 }],
          }],
        },
      },
    },
  });
  await service(client, ns, `${name}-rest`, { app: name }, 8081);
  await waitFor(`an EndpointSlice of ${name}-rest with a ready address`, async () => {
    const slices = await client.list<
      KubeObject & { endpoints?: { conditions?: { ready?: boolean } }[] }
    >(Resources.endpointSlices, ns, { labelSelector: `kubernetes.io/service-name=${name}-rest` });
    return slices.items.some((s) => s.endpoints?.some((e) => e.conditions?.ready === true));
  }, { timeoutMs: 60_000 });
}

async function service(
  client: KubeClient,
  ns: string,
  name: string,
  selector: Record<string, string>,
  targetPort: number,
): Promise<void> {
  await client.create(Resources.services, ns, {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name },
    spec: { selector, ports: [{ name: "rest", port: 8081, targetPort }] },
  });
}

/** The services/proxy rule of the shipped namespaced Role. */
async function shippedProxyRule(): Promise<Record<string, unknown>> {
  const text = await Deno.readTextFile(`${repoRoot}/deploy/rbac-namespaced.yaml`);
  for (const doc of parseAllDocuments(text)) {
    const obj = doc.toJS() as { kind?: string; rules?: { resources?: string[] }[] } | null;
    const rule = obj?.kind === "Role" &&
      obj.rules?.find((r) => r.resources?.includes("services/proxy"));
    if (rule) return rule;
  }
  throw new Error("deploy/rbac-namespaced.yaml has no Role rule for services/proxy");
}

const rbac = (plural: string, kind: string): ResourceType => ({
  group: "rbac.authorization.k8s.io",
  version: "v1",
  plural,
  kind,
  namespaced: true,
});

async function grantRole(
  client: KubeClient,
  ns: string,
  user: string,
  rules: unknown[],
): Promise<void> {
  await client.create(rbac("roles", "Role"), ns, {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: { name: user },
    rules,
  } as KubeObject);
  await client.create(rbac("rolebindings", "RoleBinding"), ns, {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: user },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: user },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: user }],
  } as KubeObject);
}

/** An admin connection that acts as `user` (the API server authorizes every request as them). */
async function impersonating(user: string): Promise<KubeClient> {
  const conn = resolveConnection(await testKubeconfig());
  return KubeClient.fromConnection({
    ...conn,
    headers: { ...conn.headers, "Impersonate-User": user },
  });
}

function inCidr(ip: string, cidr: string): boolean {
  const toNumber = (a: string) => a.split(".").reduce((n, o) => n * 256 + Number(o), 0);
  const [base, prefix] = cidr.split("/");
  const size = 2 ** (32 - Number(prefix));
  return Math.floor(toNumber(ip) / size) === Math.floor(toNumber(base) / size);
}
