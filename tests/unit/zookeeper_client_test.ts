/**
 * The ZooKeeper client against a real ZooKeeper server (cluster/zookeeper, from Maven Central),
 * started once for this file on a free loopback port.
 */
import assert from "node:assert/strict";
import { startZooKeeperServer } from "../../cluster/zookeeper/server.ts";
import { freeLoopbackPort } from "../../cluster/free_port.ts";
import { connectZooKeeper } from "../../lib/zookeeper/client.ts";
import { ErrorCode, ZooKeeperConnectionError, ZooKeeperError } from "../../lib/zookeeper/errors.ts";

const decode = (b: Uint8Array) => new TextDecoder().decode(b);

function isCode(code: number, fragment: string) {
  return (err: unknown) =>
    err instanceof ZooKeeperError && err.code === code && err.message.includes(fragment);
}

Deno.test("zookeeper client against a real ZooKeeper server", async (t) => {
  const server = await startZooKeeperServer();
  console.log(`ZooKeeper up in ${server.startupMs} ms on ${server.connectString}`);
  try {
    const connect = (suffix = "", sessionTimeoutMs = 4000) =>
      connectZooKeeper({ connectString: server.connectString + suffix, sessionTimeoutMs });

    await t.step("the handshake negotiates the session timeout within 2..20 ticks", async () => {
      await using asked = await connect("", 6000);
      assert.equal(asked.sessionTimeoutMs, 6000);
      await using tooShort = await connect("", 100);
      assert.equal(tooShort.sessionTimeoutMs, 4000, "raised to 2 × tickTime (2 s)");
    });

    await t.step("create, exists, getData, getChildren", async () => {
      await using zk = await connect();
      assert.equal(await zk.exists("/t1"), undefined);
      assert.equal(await zk.create("/t1", "hello"), "/t1");
      const stat = await zk.exists("/t1");
      assert.equal(stat?.dataLength, 5);
      assert.equal(stat?.numChildren, 0);
      const { data, stat: dataStat } = await zk.getData("/t1");
      assert.equal(decode(data), "hello");
      assert.equal(dataStat.version, 0);
      await zk.create("/t1/b");
      await zk.create("/t1/a", new Uint8Array([1, 2, 3]));
      assert.deepEqual((await zk.getChildren("/t1")).sort(), ["a", "b"]);
      assert.ok((await zk.getChildren("/")).includes("t1"));
      assert.equal((await zk.exists("/t1"))?.numChildren, 2);
    });

    await t.step("parents are created on request; sequential and ephemeral nodes", async () => {
      await using zk = await connect();
      assert.equal(await zk.create("/t2/x/y/z", "", { parents: true }), "/t2/x/y/z");
      const seq = await zk.create("/t2/item-", "", { sequential: true });
      assert.match(seq, /^\/t2\/item-\d{10}$/);
      const eph = await zk.create("/t2/ephemeral", "", { ephemeral: true });
      assert.notEqual((await zk.exists(eph))?.ephemeralOwner, 0n);
      await zk.close();
      await using other = await connect();
      assert.equal(await other.exists(eph), undefined, "an ephemeral node goes with its session");
      assert.ok(await other.exists(seq));
    });

    await t.step("NONODE, NODEEXISTS and NOTEMPTY are errors naming the path", async () => {
      await using zk = await connect();
      await assert.rejects(
        () => zk.getChildren("/missing/node"),
        isCode(ErrorCode.noNode, "getChildren /missing/node"),
      );
      await assert.rejects(() => zk.getData("/missing"), isCode(ErrorCode.noNode, "NONODE"));
      await assert.rejects(() => zk.delete("/missing"), isCode(ErrorCode.noNode, "/missing"));
      await assert.rejects(() => zk.create("/missing/child"), isCode(ErrorCode.noNode, "create"));
      await zk.create("/t3");
      await zk.create("/t3/c");
      await assert.rejects(() => zk.create("/t3"), isCode(ErrorCode.nodeExists, "NODEEXISTS"));
      await assert.rejects(() => zk.delete("/t3"), isCode(ErrorCode.notEmpty, "NOTEMPTY"));
      await assert.rejects(() => zk.delete("/t3/c", 5), isCode(ErrorCode.badVersion, "/t3/c"));
      // The session survives error replies.
      await zk.delete("/t3/c");
      await zk.delete("/t3");
      assert.equal(await zk.exists("/t3"), undefined);
    });

    await t.step("deleteRecursive removes a tree children first and counts the nodes", async () => {
      await using zk = await connect();
      for (const path of ["/t4/a/1", "/t4/a/2", "/t4/b", "/t4/c/d/e"]) {
        await zk.create(path, "x", { parents: true });
      }
      await zk.create("/t4-sibling");
      // t4, a, 1, 2, b, c, d, e
      assert.equal(await zk.deleteRecursive("/t4"), 8);
      assert.equal(await zk.exists("/t4"), undefined);
      assert.ok(await zk.exists("/t4-sibling"), "a sibling with the same prefix stays");
      assert.equal(await zk.deleteRecursive("/t4"), 0, "a missing tree is already deleted");
    });

    await t.step("many requests in flight get their own replies", async () => {
      await using zk = await connect();
      await zk.create("/t5");
      const names = Array.from({ length: 50 }, (_, i) => `n${i}`);
      const created = await Promise.all(names.map((n) => zk.create(`/t5/${n}`, n)));
      assert.deepEqual(created, names.map((n) => `/t5/${n}`));
      const data = await Promise.all(names.map((n) => zk.getData(`/t5/${n}`)));
      assert.deepEqual(data.map((d) => decode(d.data)), names);
      assert.equal(await zk.deleteRecursive("/t5"), 51);
    });

    await t.step("a chroot in the connect string prefixes every path", async () => {
      await using root = await connect();
      await root.create("/t6");
      await using chrooted = await connect("/t6");
      assert.equal(await chrooted.create("/x", "in chroot"), "/x");
      assert.equal(decode((await root.getData("/t6/x")).data), "in chroot");
      assert.deepEqual(await chrooted.getChildren("/"), ["x"]);
      const seq = await chrooted.create("/s-", "", { sequential: true });
      assert.match(seq, /^\/s-\d{10}$/, "created paths come back without the chroot");
      assert.equal(await chrooted.deleteRecursive("/"), 2, "the chroot's contents, not itself");
      assert.ok(await root.exists("/t6"));
    });

    await t.step("servers are tried in order: a dead one is skipped", async () => {
      const dead = `127.0.0.1:${freeLoopbackPort()}`;
      await using zk = await connectZooKeeper({
        connectString: `${dead},${server.connectString}`,
      });
      assert.equal(zk.server, server.connectString);
      assert.ok(await zk.exists("/"));
    });

    await t.step("connection refused names every server and the cause", async () => {
      const port = freeLoopbackPort();
      await assert.rejects(
        () => connectZooKeeper({ connectString: `127.0.0.1:${port},127.0.0.1:${port}/x` }),
        (err: Error) =>
          err instanceof ZooKeeperConnectionError &&
          err.message.includes(`"127.0.0.1:${port},127.0.0.1:${port}/x"`) &&
          err.message.includes(`cannot connect to 127.0.0.1:${port}: connection refused`),
      );
    });

    await t.step("a server that accepts but never answers times out", async () => {
      const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const silent = `127.0.0.1:${(listener.addr as Deno.NetAddr).port}`;
      const held: Deno.Conn[] = [];
      const accepting = (async () => {
        for await (const conn of listener) held.push(conn);
      })();
      try {
        await assert.rejects(
          () => connectZooKeeper({ connectString: silent, connectTimeoutMs: 300 }),
          (err: Error) =>
            err instanceof ZooKeeperConnectionError &&
            err.message.includes(`${silent} did not answer the session handshake within 300 ms`),
        );
      } finally {
        listener.close();
        await accepting.catch(() => {});
        for (const conn of held) conn.close();
      }
    });

    await t.step("a server that goes away fails the calls of open sessions", async () => {
      const zk = await connect();
      try {
        await server.stop();
        await assert.rejects(
          () => zk.exists("/"),
          (err: Error) =>
            err instanceof ZooKeeperConnectionError && err.message.includes(server.connectString),
        );
      } finally {
        await zk.close();
      }
    });
  } finally {
    await server.stop();
  }
});

Deno.test("zookeeper server helper: a server that cannot start says why, with its log", async () => {
  await using first = await startZooKeeperServer();
  await assert.rejects(
    () => startZooKeeperServer({ port: first.port, startTimeoutMs: 20_000 }),
    (err: Error) =>
      err.message.includes(`127.0.0.1:${first.port}`) && err.message.includes("last lines of"),
  );
  // The first server is untouched.
  await using zk = await connectZooKeeper({ connectString: first.connectString });
  assert.ok(await zk.exists("/"));
});
