import assert from "node:assert/strict";
import { ApiError, ConnectionError } from "../../lib/kube/errors.ts";
import { checkApiServer, StartupError } from "../../lib/preflight.ts";

/** A client whose /version answers with the given outcomes in turn. */
function clientAnswering(outcomes: (Error | string)[]) {
  let calls = 0;
  return {
    server: "https://127.0.0.1:6443",
    get calls() {
      return calls;
    },
    request<T>(): Promise<T> {
      const next = outcomes[Math.min(calls++, outcomes.length - 1)];
      return next instanceof Error
        ? Promise.reject(next)
        : Promise.resolve({ gitVersion: next } as T);
    },
  };
}

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
