import assert from "node:assert/strict";
import {
  concurrencyLimit,
  memoizedConfigSource,
  secretBytes,
} from "../../cluster/nodeagent/config_source.ts";
import { MemoryConfigSource } from "./nodeagent_fakes.ts";

Deno.test("config source: lookups are memoized per start", async () => {
  const inner = new MemoryConfigSource();
  inner.addConfigMap("ns", "cm", { a: "1" });
  let reads = 0;
  const counting = {
    configMap: (ns: string, name: string) => (reads++, inner.configMap(ns, name)),
    secret: (ns: string, name: string) => (reads++, inner.secret(ns, name)),
  };
  const memo = memoizedConfigSource(counting);
  await Promise.all([
    memo.configMap("ns", "cm"),
    memo.configMap("ns", "cm"),
    memo.secret("ns", "x"),
  ]);
  assert.equal(reads, 2);
});

Deno.test("config source: secrets decode data and accept stringData", () => {
  const secret = { metadata: {}, data: { a: btoa("x") }, stringData: { b: "y" } };
  assert.equal(new TextDecoder().decode(secretBytes(secret, "a")), "x");
  assert.equal(new TextDecoder().decode(secretBytes(secret, "b")), "y");
  assert.equal(secretBytes(secret, "c"), undefined);
});

Deno.test("config source: the concurrency limit queues excess requests in order", async () => {
  const limit = concurrencyLimit(2);
  let active = 0;
  let peak = 0;
  const order: number[] = [];
  await Promise.all(Array.from({ length: 6 }, (_, i) =>
    limit(async () => {
      peak = Math.max(peak, ++active);
      await new Promise((r) => setTimeout(r, 2));
      order.push(i);
      active--;
    })));
  assert.equal(peak, 2);
  assert.deepEqual(order, [0, 1, 2, 3, 4, 5]);
});
