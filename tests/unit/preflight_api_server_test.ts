import assert from "node:assert/strict";
import { ApiError, ConnectionError } from "../../lib/kube/errors.ts";
import { checkApiServer, checkResourceAccess, StartupError } from "../../lib/preflight.ts";
import type { KubeClient } from "../../lib/kube/client.ts";
import { FlinkDeployments } from "../../lib/flink/resources.ts";

/**
 * A client whose /version answers with the given outcomes in turn, and whose /readyz answers
 * with `readyz` in turn (the last one repeating; default ready).
 */
function clientAnswering(outcomes: (Error | string)[], readyz: [number, string][] = [[200, "ok"]]) {
  let calls = 0;
  let readyzCalls = 0;
  return {
    server: "https://127.0.0.1:6443",
    get calls() {
      return calls;
    },
    get readyzCalls() {
      return readyzCalls;
    },
    request<T>(): Promise<T> {
      const next = outcomes[Math.min(calls++, outcomes.length - 1)];
      return next instanceof Error
        ? Promise.reject(next)
        : Promise.resolve({ gitVersion: next } as T);
    },
    fetch(_method: string, path: string): Promise<Response> {
      assert.equal(path, "/readyz");
      const [status, body] = readyz[Math.min(readyzCalls++, readyz.length - 1)];
      return Promise.resolve(new Response(body, { status }));
    },
  };
}

const STARTING = [
  "[+]ping ok",
  "[+]etcd ok",
  "[-]poststarthook/crd-informer-synced failed: reason withheld",
  "[-]poststarthook/rbac/bootstrap-roles failed: reason withheld",
  "readyz check failed",
].join("\n");

const refused = new ConnectionError("https://127.0.0.1:6443", new Error("connection refused"));

Deno.test("start-up waits for an API server that is restarting, then goes on", async () => {
  const client = clientAnswering([
    refused,
    new ApiError(503, "ServiceUnavailable", "starting", "GET", "/version"),
    "v1.35.4",
  ]);
  const waited: string[] = [];
  const version = await checkApiServer(client, {
    waitMs: 5_000,
    retryMs: 1,
    onWait: (p) => waited.push(p),
  });
  assert.equal(version, "v1.35.4");
  assert.equal(client.calls, 3);
  assert.equal(waited.length, 2);
  assert.match(waited[0], /cannot reach the Kubernetes API server at https:\/\/127\.0\.0\.1:6443/);
});

Deno.test("start-up gives up on an unreachable API server after the wait, naming it", async () => {
  const client = clientAnswering([refused]);
  await assert.rejects(
    checkApiServer(client, { waitMs: 20, retryMs: 5 }),
    (err: Error) =>
      err instanceof StartupError && /cannot reach the Kubernetes API server at/.test(err.message),
  );
  assert.ok(client.calls >= 2, "retried before giving up");
});

Deno.test("rejected credentials end start-up at once", async () => {
  const client = clientAnswering([
    new ApiError(401, "Unauthorized", "Unauthorized", "GET", "/version"),
  ]);
  await assert.rejects(
    checkApiServer(client, { waitMs: 5_000, retryMs: 1 }),
    (err: Error) =>
      err instanceof StartupError && /rejected our credentials \(401\)/.test(err.message),
  );
  assert.equal(client.calls, 1);
});

Deno.test("start-up waits for a restarted API server to be ready before it lists anything", async () => {
  const client = clientAnswering(["v1.35.4"], [[500, STARTING], [500, STARTING], [200, "ok"]]);
  const waited: string[] = [];
  const version = await checkApiServer(client, {
    waitMs: 5_000,
    retryMs: 1,
    onWait: (p) => waited.push(p),
  });
  assert.equal(version, "v1.35.4");
  assert.equal(client.readyzCalls, 3);
  assert.equal(waited.length, 2);
  assert.match(
    waited[0],
    /not ready yet \(HTTP 500 from \/readyz: poststarthook\/crd-informer-synced, poststarthook\/rbac\/bootstrap-roles\)/,
  );
});

Deno.test("an API server that does not let us read /readyz does not hold start-up up", async () => {
  const client = clientAnswering(["v1.35.4"], [[403, "forbidden"]]);
  assert.equal(await checkApiServer(client, { waitMs: 5_000, retryMs: 1 }), "v1.35.4");
  assert.equal(client.readyzCalls, 1);
});

Deno.test("an API server never ready within the wait: start-up goes on (the watches retry)", async () => {
  const client = clientAnswering(["v1.35.4"], [[500, STARTING]]);
  assert.equal(await checkApiServer(client, { waitMs: 30, retryMs: 5 }), "v1.35.4");
  assert.ok(client.readyzCalls >= 2);
});

/** A client whose lists all fail with `err`. */
function listingFails(err: Error): KubeClient {
  return { list: () => Promise.reject(err) } as unknown as KubeClient;
}

Deno.test("the resource check leaves an API server's passing trouble to the watches", async () => {
  for (
    const err of [
      new ApiError(503, "ServiceUnavailable", "storage is (re)initializing", "GET", "/apis"),
      new ApiError(429, "TooManyRequests", "slow down", "GET", "/apis"),
      new ConnectionError("https://127.0.0.1:6443", new Error("connection reset")),
    ]
  ) {
    assert.deepEqual(
      await checkResourceAccess(listingFails(err), [FlinkDeployments], ["jobs"]),
      [],
      err.message,
    );
  }
});

Deno.test("the resource check still ends start-up on a missing CRD, naming the fix", async () => {
  await assert.rejects(
    checkResourceAccess(
      listingFails(new ApiError(404, "NotFound", "not found", "GET", "/apis")),
      [FlinkDeployments],
      ["jobs"],
    ),
    (err: Error) =>
      err instanceof StartupError && /CRD flinkdeployments.flink.apache.org/.test(err.message),
  );
});
