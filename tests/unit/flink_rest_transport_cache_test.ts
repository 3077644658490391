import assert from "node:assert/strict";
import { DirectTransport } from "../../lib/flink/rest/transport.ts";
import { TransportCache } from "../../lib/flink/rest/transport_cache.ts";

Deno.test("transport cache: reused while target and JobManager pods stay; resolved again otherwise", async () => {
  const cache = new TransportCache();
  let resolved = 0;
  const resolve = () => {
    resolved++;
    return Promise.resolve(new DirectTransport(`http://10.0.0.${resolved}:8081`, "pod IP"));
  };
  const want = { target: "pod-ip|ns/app|8081|[]", pods: "uid-1@10.0.0.1" };
  const first = await cache.reuse("r1", want, resolve, 0);
  assert.equal(await cache.reuse("r1", want, resolve, 1_000), first);
  assert.equal(resolved, 1);
  // A restarted JobManager (new pod), other settings, or no ready pod: resolved again.
  await cache.reuse("r1", { ...want, pods: "uid-2@10.0.0.2" }, resolve, 2_000);
  assert.equal(resolved, 2);
  await cache.reuse("r1", { ...want, pods: "uid-2@10.0.0.2", target: "other" }, resolve, 3_000);
  assert.equal(resolved, 3);
  await cache.reuse("r1", { ...want, pods: "" }, resolve, 4_000);
  assert.equal(resolved, 4);
  assert.equal(cache.size, 0);
  // Old entries resolve again whatever the pods say.
  await cache.reuse("r1", want, resolve, 5_000);
  await cache.reuse("r1", want, resolve, 5_000 + 11 * 60_000);
  assert.equal(resolved, 6);
  // Forgotten with the resource.
  cache.forget("r1");
  assert.equal(cache.size, 0);
});
