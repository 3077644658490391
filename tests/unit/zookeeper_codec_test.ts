import assert from "node:assert/strict";
import { JuteReader, JuteWriter } from "../../lib/zookeeper/jute.ts";
import { parseConnectString } from "../../lib/zookeeper/connect_string.ts";
import {
  checkPath,
  clientPath,
  joinPath,
  parentOf,
  serverPath,
} from "../../lib/zookeeper/paths.ts";
import { decodeConnectResponse, encodeConnectRequest } from "../../lib/zookeeper/protocol.ts";
import { errorCodeName, ZooKeeperProtocolError } from "../../lib/zookeeper/errors.ts";
import { PacketReader } from "../../lib/zookeeper/frames.ts";

Deno.test("zookeeper jute: values round-trip big-endian with length-prefixed strings", () => {
  const bytes = new JuteWriter()
    .int(-2)
    .long(0x0102030405060708n)
    .bool(true)
    .string("ä/x")
    .string(null)
    .buffer(new Uint8Array([9, 8]))
    .bytes();
  assert.deepEqual([...bytes.slice(0, 4)], [0xff, 0xff, 0xff, 0xfe]);
  assert.deepEqual([...bytes.slice(4, 12)], [1, 2, 3, 4, 5, 6, 7, 8]);
  const r = new JuteReader(bytes);
  assert.equal(r.int(), -2);
  assert.equal(r.long(), 0x0102030405060708n);
  assert.equal(r.bool(), true);
  assert.equal(r.string(), "ä/x");
  assert.equal(r.string(), null);
  assert.deepEqual([...r.buffer()!], [9, 8]);
  assert.equal(r.remaining, 0);
});

Deno.test("zookeeper jute: a short reply is a protocol error, not garbage", () => {
  const r = new JuteReader(new JuteWriter().int(10).bytes());
  assert.throws(() => r.string(), ZooKeeperProtocolError);
  const vector = new JuteReader(new JuteWriter().int(1_000_000).bytes());
  assert.throws(() => vector.strings(), /too many/);
});

Deno.test("zookeeper protocol: the connect request is a new read-write session", () => {
  const packet = encodeConnectRequest({ sessionTimeoutMs: 6000 });
  const r = new JuteReader(packet);
  assert.equal(r.int(), packet.length - 4, "length prefix");
  assert.equal(r.int(), 0, "protocol version");
  assert.equal(r.long(), 0n, "last zxid seen");
  assert.equal(r.int(), 6000, "session timeout");
  assert.equal(r.long(), 0n, "no session to resume");
  assert.equal(r.buffer()!.length, 16, "password");
  assert.equal(r.bool(), false, "read-only");
  assert.equal(r.remaining, 0);

  const reply = new JuteWriter().int(0).int(4000).long(42n).buffer(new Uint8Array(16)).bytes();
  assert.deepEqual(decodeConnectResponse(reply), {
    protocolVersion: 0,
    sessionTimeoutMs: 4000,
    sessionId: 42n,
    readOnly: false,
  });
});

Deno.test("zookeeper frames: packets are cut out of the stream however the bytes arrive", async () => {
  const stream = [
    ...new JuteWriter().int(7).packet(),
    ...new JuteWriter().string("abc").packet(),
  ];
  // One byte per read: the worst a socket can do.
  let at = 0;
  const source = {
    read(p: Uint8Array) {
      if (at >= stream.length) return Promise.resolve(null);
      p[0] = stream[at++];
      return Promise.resolve(1);
    },
  };
  const packets = new PacketReader(source);
  assert.equal(new JuteReader((await packets.next())!).int(), 7);
  assert.equal(new JuteReader((await packets.next())!).string(), "abc");
  assert.equal(await packets.next(), null);

  const cut = new PacketReader({
    read: (() => {
      let done = false;
      return (p: Uint8Array) => {
        if (done) return Promise.resolve(null);
        done = true;
        p.set([0, 0, 0, 9, 1]);
        return Promise.resolve(5);
      };
    })(),
  });
  await assert.rejects(() => cut.next(), /middle of a packet/);
});

Deno.test("zookeeper connect string: servers in order, default port, chroot, whitespace", () => {
  assert.deepEqual(parseConnectString(" zk-0:2181, zk-1 ,[::1]:2182/flink/ha "), {
    servers: [
      { host: "zk-0", port: 2181 },
      { host: "zk-1", port: 2181 },
      { host: "::1", port: 2182 },
    ],
    chroot: "/flink/ha",
  });
  assert.deepEqual(parseConnectString("127.0.0.1:1234/").chroot, "");
  for (const bad of ["", "/only-chroot", "zk:99999", "zk:port", "zk:1/a//b"]) {
    assert.throws(
      () => parseConnectString(bad),
      (err: Error) => err.message.includes(`"${bad}"`) && err.message.includes("host:port"),
      bad,
    );
  }
});

Deno.test("zookeeper paths: joined as Flink joins them, checked, chrooted", () => {
  assert.equal(joinPath("/flink/", "/my-app", "jobs"), "/flink/my-app/jobs");
  assert.equal(joinPath("flink", "", "/"), "/flink");
  assert.equal(joinPath(""), "/");
  assert.equal(parentOf("/a/b"), "/a");
  assert.equal(parentOf("/a"), "/");
  for (const bad of ["a", "/a/", "/a//b", "/a/./b", "/.."]) {
    assert.throws(() => checkPath(bad), RangeError, bad);
  }
  assert.equal(checkPath("/"), "/");
  assert.equal(serverPath("/c", "/"), "/c");
  assert.equal(serverPath("/c", "/x"), "/c/x");
  assert.equal(serverPath("", "/x"), "/x");
  assert.equal(clientPath("/c", "/c/x0000000001"), "/x0000000001");
  assert.equal(clientPath("/c", "/c"), "/");
});

Deno.test("zookeeper errors: codes have the server's names", () => {
  assert.equal(errorCodeName(-101), "NONODE");
  assert.equal(errorCodeName(-110), "NODEEXISTS");
  assert.equal(errorCodeName(-111), "NOTEMPTY");
  assert.equal(errorCodeName(-4), "CONNECTIONLOSS");
  assert.equal(errorCodeName(-999), "error -999");
});
