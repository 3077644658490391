import assert from "node:assert/strict";
import { RestServer, SHUTDOWN_GRACE_MS } from "../../cluster/flink-sim/rest_server.ts";

function freePort(): number {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  return port;
}

Deno.test({
  name:
    "sim REST server: a request whose handler never ends does not keep a dying process alive, and the port reopens",
  // The stuck request is left to its client, as a dead process's are: its handler stays pending.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const port = freePort();
    let entered!: () => void;
    const stuckEntered = new Promise<void>((resolve) => entered = resolve);
    const dying = new RestServer("127.0.0.1", port, (request) => {
      if (new URL(request.url).pathname === "/stuck") {
        entered();
        return new Promise<Response>(() => {}); // waits on a timer its process cleared
      }
      return Promise.resolve(new Response("ok"));
    });
    dying.open();
    const client = new AbortController();
    const stuck = fetch(`${dying.url}/stuck`, { signal: client.signal }).catch(() => "aborted");
    await stuckEntered;

    const started = Date.now();
    let guard: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([
      dying.close().then(() => "closed"),
      new Promise((resolve) => guard = setTimeout(() => resolve("still closing"), 10_000)),
    ]);
    clearTimeout(guard);
    assert.equal(outcome, "closed");
    assert.ok(Date.now() - started >= SHUTDOWN_GRACE_MS - 50, "the requests had their grace");
    assert.equal(dying.listening, false);

    const restarted = new RestServer("127.0.0.1", port, () => Promise.resolve(new Response("up")));
    restarted.open();
    try {
      const res = await fetch(`${restarted.url}/overview`);
      assert.equal(await res.text(), "up");
    } finally {
      client.abort();
      assert.equal(await stuck, "aborted");
      await restarted.close();
    }
  },
});
