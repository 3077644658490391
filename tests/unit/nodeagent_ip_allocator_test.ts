import assert from "node:assert/strict";
import {
  ipToNumber,
  numberToIp,
  PodAddressAllocator,
} from "../../cluster/nodeagent/ip_allocator.ts";
import { silentLogger } from "../../cluster/nodeagent/log.ts";
import { parseCidr, preparePodNetwork } from "../../cluster/nodeagent/pod_network.ts";

Deno.test("ip allocator: hands out addresses from 127.1.0.1 upward, one per owner", () => {
  const ips = new PodAddressAllocator();
  assert.equal(ips.allocate("a"), "127.1.0.1");
  assert.equal(ips.allocate("b"), "127.1.0.2");
  assert.equal(ips.allocate("a"), "127.1.0.1", "same owner, same address");
  assert.equal(ips.addressOf("b"), "127.1.0.2");
  assert.equal(ips.inUse, 2);
});

Deno.test("ip allocator: released addresses are reused only after the pool wraps", () => {
  const ips = new PodAddressAllocator(ipToNumber("127.1.0.1"), ipToNumber("127.1.0.4"));
  assert.equal(ips.allocate("a"), "127.1.0.1");
  assert.equal(ips.allocate("b"), "127.1.0.2");
  ips.release("127.1.0.1");
  assert.equal(ips.addressOf("a"), undefined);
  assert.equal(ips.allocate("c"), "127.1.0.3");
  assert.equal(ips.allocate("d"), "127.1.0.4");
  assert.equal(ips.allocate("e"), "127.1.0.1", "wrapped around to the freed address");
  assert.throws(() => ips.allocate("f"), /no free loopback address/);
});

Deno.test("ip allocator: skips .0 and .255 when crossing an octet", () => {
  const ips = new PodAddressAllocator(ipToNumber("127.1.0.254"), ipToNumber("127.1.1.2"));
  assert.deepEqual(
    ["a", "b", "c"].map((o) => ips.allocate(o)),
    ["127.1.0.254", "127.1.1.1", "127.1.1.2"],
  );
});

Deno.test("ip allocator: reserve claims a reported address and moves allocation past it", () => {
  const ips = new PodAddressAllocator();
  assert.equal(ips.reserve("127.1.0.7", "old-pod"), true);
  assert.equal(ips.reserve("127.1.0.7", "old-pod"), true, "idempotent for the same owner");
  assert.equal(ips.reserve("127.1.0.7", "other"), false, "held by someone else");
  assert.equal(ips.reserve("127.0.0.1", "x"), false, "outside the pool");
  assert.equal(ips.reserve("10.0.0.1", "x"), false);
  assert.equal(ips.reserve("garbage", "x"), false);
  assert.equal(ips.allocate("new-pod"), "127.1.0.8");
});

Deno.test("ip allocator: address conversions round-trip", () => {
  for (const ip of ["127.1.0.1", "127.255.255.254", "0.0.0.0", "255.255.255.255"]) {
    assert.equal(numberToIp(ipToNumber(ip)), ip);
  }
  assert.ok(Number.isNaN(ipToNumber("127.1.0")));
  assert.ok(Number.isNaN(ipToNumber("127.1.0.256")));
});

Deno.test("pod network: CIDRs give the host range; invalid ones are rejected", () => {
  const cidr = parseCidr("10.244.7.9/16");
  assert.equal(cidr.text, "10.244.0.0/16");
  assert.equal(numberToIp(cidr.first), "10.244.0.1");
  assert.equal(numberToIp(cidr.last), "10.244.255.254");
  const ips = new PodAddressAllocator(cidr.first, cidr.last);
  assert.equal(ips.allocate("a"), "10.244.0.1");
  for (const bad of ["10.244.0.0", "10.244.0.0/31", "10.244.0.0/4", "fd00::/64", "x/16"]) {
    assert.throws(() => parseCidr(bad), /invalid pod CIDR/, bad);
  }
});

Deno.test("pod network: the loopback pool needs no setup; a non-local CIDR is refused", async () => {
  const loopback = await preparePodNetwork({ installRoute: false, log: silentLogger });
  assert.equal(loopback.allocate("a"), "127.1.0.1");
  // 198.51.100.0/24 (TEST-NET-2) is never local unless someone routed it here.
  const testNet = "198.51.100.0/24";
  await assert.rejects(
    preparePodNetwork({ cidr: testNet, installRoute: false, log: silentLogger }),
    /is not local to this machine .*ip route replace local 198\.51\.100\.0\/24 dev lo/,
  );
});
