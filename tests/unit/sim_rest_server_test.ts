import assert from "node:assert/strict";
import { RestServer, SHUTDOWN_GRACE_MS } from "../../cluster/flink-sim/rest_server.ts";

function freePort(): number {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  return port;
}

/** A server whose `/stuck` never answers (its handler waits on a timer its process cleared). */
function serverWithStuckRoute(port: number) {
  let entered!: () => void;
  const stuckEntered = new Promise<void>((resolve) => entered = resolve);
  const server = new RestServer("127.0.0.1", port, (request) => {
    if (new URL(request.url).pathname === "/stuck") {
      entered();
      return new Promise<Response>(() => {});
    }
    return Promise.resolve(new Response("ok"));
  });
  server.open();
  return { server, stuckEntered };
}

async function withinTenSeconds<T>(what: Promise<T>): Promise<T | "still waiting"> {
  let guard: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      what,
      new Promise<"still waiting">((resolve) =>
        guard = setTimeout(() => resolve("still waiting"), 10_000)
      ),
    ]);
  } finally {
    clearTimeout(guard);
  }
}

Deno.test({
  name:
    "sim REST server: a process that ends drops the requests in flight (the client fails at once) and its port reopens",
  sanitizeOps: false, // the stuck handler stays pending, as nothing will ever resolve it
  sanitizeResources: false,
  async fn() {
    const port = freePort();
    const { server: dying, stuckEntered } = serverWithStuckRoute(port);
    const stuck = fetch(`${dying.url}/stuck`).then((res) => res.text()).then(
      (body) => `answered: ${body}`,
      (err) => `failed: ${err}`,
    );
    await stuckEntered;

    assert.equal(
      await withinTenSeconds(dying.close({ dropInFlight: true }).then(() => "closed")),
      "closed",
    );
    const outcome = await withinTenSeconds(stuck);
    assert.match(String(outcome), /^failed: .*(body|connection)/);
    assert.equal(dying.listening, false);

    const restarted = new RestServer("127.0.0.1", port, () => Promise.resolve(new Response("up")));
    restarted.open();
    try {
      assert.equal(await (await fetch(`${restarted.url}/overview`)).text(), "up");
    } finally {
      await restarted.close();
    }
  },
});

Deno.test({
  name:
    "sim REST server: a listener closed by a fault waits a bounded time for a request that never ends",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const { server, stuckEntered } = serverWithStuckRoute(freePort());
    const client = new AbortController();
    const stuck = fetch(`${server.url}/stuck`, { signal: client.signal }).catch(() => "aborted");
    await stuckEntered;
    const started = Date.now();
    assert.equal(await withinTenSeconds(server.close().then(() => "closed")), "closed");
    assert.ok(Date.now() - started >= SHUTDOWN_GRACE_MS - 50, "the request had its grace");
    client.abort();
    assert.equal(await stuck, "aborted");
  },
});
