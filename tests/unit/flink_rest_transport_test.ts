import assert from "node:assert/strict";
import { KubeConfig } from "@kubernetes/client-node";
import { KubeClient } from "../../lib/kube/client.ts";
import { ConnectionError } from "../../lib/kube/errors.ts";
import { FlinkRestClient } from "../../lib/flink/rest/client.ts";
import { FlinkTimeoutError, FlinkUnreachableError } from "../../lib/flink/rest/errors.ts";
import {
  ApiServerProxyTransport,
  DirectTransport,
  type KubeFetcher,
  proxyRefusal,
} from "../../lib/flink/rest/transport.ts";
import { withFakeFlink } from "./flink_rest_fake_server.ts";
import { CONFIG_1_20, JOB_ID } from "./flink_rest_fixtures.ts";

async function closedPort(): Promise<number> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  await Promise.resolve();
  return port;
}

Deno.test("direct: a refused connection is FlinkUnreachableError naming the endpoint", async () => {
  const port = await closedPort();
  const client = new FlinkRestClient(new DirectTransport(`http://127.0.0.1:${port}`, "pod IP"));
  await assert.rejects(client.config(), (err: unknown) => {
    assert.ok(err instanceof FlinkUnreachableError);
    assert.match(err.message, new RegExp(`via http://127.0.0.1:${port} \\(pod IP\\)`));
    return true;
  });
});

Deno.test("direct: timeouts per call kind, and caller aborts pass through", async () => {
  await withFakeFlink((f) => {
    f.on("GET", "/config", { json: CONFIG_1_20, delayMs: 300 });
    f.on("PATCH", `/jobs/${JOB_ID}`, { status: 202, delayMs: 300 });
  }, async (f) => {
    const client = f.client({ defaultMs: 50, cancelMs: 5_000 });
    await assert.rejects(client.config(), (err: unknown) => {
      assert.ok(err instanceof FlinkTimeoutError);
      assert.equal(err.timeoutMs, 50);
      assert.match(err.message, /GET \/v1\/config did not complete within 50 ms/);
      return true;
    });
    // Cancel has its own, longer deadline.
    assert.equal(await client.cancelJob(JOB_ID), "cancelled");
    // A per-call override wins.
    assert.equal((await client.config({ timeoutMs: 5_000 })).flinkVersion, "1.20.1");

    const controller = new AbortController();
    const pending = client.config({ timeoutMs: 5_000, signal: controller.signal });
    controller.abort(new Error("operator stopping"));
    await assert.rejects(pending, /operator stopping/);
  });
});

/** A KubeClient.fetch stand-in that records calls and answers with canned responses. */
function fakeFetcher(answer: () => Response | Promise<Response>) {
  const calls: { method: string; path: string; init: Record<string, unknown> }[] = [];
  const kube: KubeFetcher = {
    fetch: (method: string, path: string, init: Record<string, unknown> = {}) => {
      calls.push({ method, path, init });
      return Promise.resolve(answer());
    },
  } as KubeFetcher;
  return { kube, calls };
}

const status = (code: number, message: string, reason: string) =>
  new Response(
    JSON.stringify({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message,
      reason,
      code,
    }),
    { status: code, headers: { "content-type": "application/json" } },
  );

Deno.test("api-proxy: builds the service proxy path and forwards query, body and bytes", async () => {
  const { kube, calls } = fakeFetcher(() =>
    new Response(JSON.stringify({ "request-id": "abc" }), { status: 202 })
  );
  const client = new FlinkRestClient(new ApiServerProxyTransport(kube, "flink", "sm-rest", 8081));
  await client.triggerCheckpoint(JOB_ID, { type: "FULL", triggerId: "t1" });
  await client.cancelJob(JOB_ID);
  await client.uploadJar(new Uint8Array([0x50, 0x4b, 0xff]), "a.jar").catch(() => {});
  const [trigger, cancel, upload] = calls;
  assert.equal(trigger.method, "POST");
  assert.equal(
    trigger.path,
    `/api/v1/namespaces/flink/services/sm-rest:8081/proxy/v1/jobs/${JOB_ID}/checkpoints`,
  );
  assert.equal(trigger.init.body, JSON.stringify({ checkpointType: "FULL", triggerId: "t1" }));
  assert.equal(trigger.init.contentType, "application/json");
  assert.ok(trigger.init.signal instanceof AbortSignal);
  assert.equal(trigger.init.timeoutMs, undefined, "the transport owns the deadline");
  assert.equal(cancel.method, "PATCH");
  assert.deepEqual(cancel.init.query, { mode: "cancel" });
  assert.equal(cancel.init.body, undefined);
  assert.ok(upload.init.body instanceof Uint8Array);
  assert.match(String(upload.init.contentType), /^multipart\/form-data; boundary=/);
});

Deno.test("api-proxy: API-server refusals become FlinkUnreachableError, Flink's answers do not", async () => {
  const refusals: [Response, RegExp][] = [
    [
      status(503, 'no endpoints available for service "sm-rest"', "ServiceUnavailable"),
      /no endpoints available/,
    ],
    [
      status(
        503,
        "error trying to reach service: dial tcp 10.244.0.7:8081: connect: connection refused",
        "ServiceUnavailable",
      ),
      /dial tcp/,
    ],
    [status(404, 'services "sm-rest" not found', "NotFound"), /no such service/],
    [
      status(403, 'services "sm-rest" is forbidden', "Forbidden"),
      /RBAC for services\/proxy/,
    ],
    [
      new Response("Error trying to reach service: 'dial tcp 10.0.0.1:8081: i/o timeout'", {
        status: 503,
      }),
      /i\/o timeout/,
    ],
  ];
  for (const [response, pattern] of refusals) {
    const { kube } = fakeFetcher(() => response);
    const client = new FlinkRestClient(new ApiServerProxyTransport(kube, "flink", "sm-rest", 8081));
    await assert.rejects(client.cancelJob(JOB_ID), (err: unknown) => {
      assert.ok(err instanceof FlinkUnreachableError, String(err));
      assert.match(err.message, pattern);
      assert.match(err.message, /via API-server proxy to service flink\/sm-rest:8081/);
      return true;
    });
  }
  // Flink's own 404 passes through the proxy and still means "job missing".
  const { kube } = fakeFetcher(() =>
    new Response(JSON.stringify({ errors: ["Job not found"] }), { status: 404 })
  );
  const client = new FlinkRestClient(new ApiServerProxyTransport(kube, "flink", "sm-rest", 8081));
  assert.equal(await client.cancelJob(JOB_ID), "missing");
  // Flink's own 503 (leader election) is Flink's answer, not a proxy refusal.
  assert.equal(
    proxyRefusal({
      status: 503,
      json: { errors: ["Service temporarily unavailable due to an ongoing leader election."] },
      text: "",
    }),
    undefined,
  );
});

Deno.test("api-proxy: an unreachable API server is FlinkUnreachableError", async () => {
  const kube = {
    fetch: () => Promise.reject(new ConnectionError("https://k8s.example.com", new TypeError("x"))),
  } as unknown as KubeFetcher;
  const transport = new ApiServerProxyTransport(kube, "flink", "sm-rest", 8081);
  await assert.rejects(
    transport.request("GET", "/v1/config", { timeoutMs: 1000 }),
    /cannot reach the Kubernetes API server/,
  );
});

Deno.test("api-proxy: through a real KubeClient to a loopback API server", async () => {
  await withFakeFlink((f) => f.on("GET", "/config", { json: CONFIG_1_20 }), async (f) => {
    const seen: { path: string; auth: string | null }[] = [];
    const prefix = "/api/v1/namespaces/flink/services/sm-rest:8081/proxy";
    const apiServer = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
      const url = new URL(req.url);
      seen.push({ path: url.pathname, auth: req.headers.get("authorization") });
      if (!url.pathname.startsWith(prefix + "/")) {
        return new Response("{}", { status: 404 });
      }
      return fetch(f.baseUrl + url.pathname.slice(prefix.length) + url.search, {
        method: req.method,
        headers: req.headers,
        body: req.body,
      });
    });
    try {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{
          name: "local",
          server: `http://127.0.0.1:${apiServer.addr.port}`,
          skipTLSVerify: true,
        }],
        users: [{ name: "op", token: "secret-token" }],
        contexts: [{ name: "local", cluster: "local", user: "op" }],
        currentContext: "local",
      });
      const kube = await KubeClient.fromKubeConfig(kc);
      const client = new FlinkRestClient(
        new ApiServerProxyTransport(kube, "flink", "sm-rest", 8081),
      );
      assert.equal((await client.config()).flinkVersion, "1.20.1");
      assert.deepEqual(seen, [{ path: `${prefix}/v1/config`, auth: "Bearer secret-token" }]);
      assert.equal(f.only("GET", "/config").path, "/v1/config");
      kube.close();
    } finally {
      await apiServer.shutdown();
    }
  });
});
