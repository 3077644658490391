/**
 * A small ZooKeeper client: one session on the first server of the connect string that answers,
 * and the node operations the operator needs (exists, children, data, create, delete, recursive
 * delete). Paths are the client's, below the connect string's chroot if it has one.
 *
 *   await using zk = await connectZooKeeper({ connectString: "zk-0:2181,zk-1:2181/flink" });
 *   const children = await zk.getChildren("/jobs");
 */
import { isNodeExists, isNoNode, isNotEmpty, ZooKeeperConnectionError } from "./errors.ts";
import { parseConnectString } from "./connect_string.ts";
import type { JuteReader, JuteWriter } from "./jute.ts";
import { checkPath, clientPath, joinPath, parentOf, serverPath } from "./paths.ts";
import {
  createBody,
  CreateFlags,
  deleteBody,
  OpCode,
  pathNoWatch,
  readStat,
  type Stat,
} from "./protocol.ts";
import { type SessionTimeouts, ZooKeeperSession } from "./session.ts";

export interface ZooKeeperClientOptions extends Partial<SessionTimeouts> {
  /** `host:port[,host:port...][/chroot]`. */
  connectString: string;
}

/** Defaults as Flink's ZooKeeper client options (session 60 s, connection 15 s). */
export const DEFAULT_TIMEOUTS: SessionTimeouts = {
  sessionTimeoutMs: 60_000,
  connectTimeoutMs: 15_000,
  requestTimeoutMs: 15_000,
};

/**
 * Opens a session on the first server, in the order given, that accepts one. Throws a
 * ZooKeeperConnectionError listing what each server said when none does.
 */
export async function connectZooKeeper(opts: ZooKeeperClientOptions): Promise<ZooKeeperClient> {
  const { servers, chroot } = parseConnectString(opts.connectString);
  const timeouts: SessionTimeouts = {
    sessionTimeoutMs: opts.sessionTimeoutMs ?? DEFAULT_TIMEOUTS.sessionTimeoutMs,
    connectTimeoutMs: opts.connectTimeoutMs ?? DEFAULT_TIMEOUTS.connectTimeoutMs,
    requestTimeoutMs: opts.requestTimeoutMs ?? DEFAULT_TIMEOUTS.requestTimeoutMs,
  };
  const failures: string[] = [];
  for (const server of servers) {
    try {
      return new ZooKeeperClient(await ZooKeeperSession.open(server, timeouts), chroot);
    } catch (err) {
      failures.push(err instanceof Error ? err.message : String(err));
    }
  }
  throw new ZooKeeperConnectionError(
    `no ZooKeeper server of "${opts.connectString}" accepted a session: ${failures.join("; ")}`,
  );
}

export class ZooKeeperClient implements AsyncDisposable {
  readonly #session: ZooKeeperSession;
  readonly #chroot: string;

  constructor(session: ZooKeeperSession, chroot: string) {
    this.#session = session;
    this.#chroot = chroot;
  }

  /** `host:port` of the server this client talks to. */
  get server(): string {
    return this.#session.server;
  }

  /** The session timeout the server granted. */
  get sessionTimeoutMs(): number {
    return this.#session.info?.sessionTimeoutMs ?? 0;
  }

  /** The node's metadata, or undefined when it does not exist. */
  async exists(path: string): Promise<Stat | undefined> {
    try {
      return await this.#call(OpCode.exists, "exists", path, pathNoWatch, readStat);
    } catch (err) {
      if (isNoNode(err)) return undefined;
      throw err;
    }
  }

  /** Names of the node's children (unordered); throws ZooKeeperError NONODE when it is missing. */
  async getChildren(path: string): Promise<string[]> {
    return await this.#call(
      OpCode.getChildren,
      "getChildren",
      path,
      pathNoWatch,
      (r) => r.strings(),
    );
  }

  /** The node's data and metadata; throws ZooKeeperError NONODE when it is missing. */
  async getData(path: string): Promise<{ data: Uint8Array; stat: Stat }> {
    return await this.#call(OpCode.getData, "getData", path, pathNoWatch, (r) => {
      const data = r.buffer() ?? new Uint8Array();
      return { data, stat: readStat(r) };
    });
  }

  /**
   * Creates a node (open ACL); returns its path (with the sequence suffix for sequential nodes).
   * `parents` creates missing ancestors as empty persistent nodes first.
   */
  async create(
    path: string,
    data: Uint8Array | string = new Uint8Array(),
    opts: { ephemeral?: boolean; sequential?: boolean; parents?: boolean } = {},
  ): Promise<string> {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    const flags = (opts.ephemeral ? CreateFlags.ephemeral : CreateFlags.persistent) |
      (opts.sequential ? CreateFlags.sequential : 0);
    if (opts.parents) await this.ensurePath(parentOf(checkPath(path)));
    const created = await this.#call(
      OpCode.create,
      "create",
      path,
      (p) => createBody(p, bytes, flags),
      (r) => r.string() ?? "",
    );
    return clientPath(this.#chroot, created);
  }

  /** Creates the node and its ancestors as empty persistent nodes where they are missing. */
  async ensurePath(path: string): Promise<void> {
    checkPath(path);
    let current = "";
    for (const segment of path.split("/").filter((s) => s)) {
      current = joinPath(current, segment);
      if (await this.exists(current)) continue;
      try {
        await this.create(current);
      } catch (err) {
        if (!isNodeExists(err)) throw err;
      }
    }
  }

  /** Deletes a node without children; `version` -1 matches any. Throws NONODE / NOTEMPTY. */
  async delete(path: string, version = -1): Promise<void> {
    await this.#call(OpCode.delete, "delete", path, (p) => deleteBody(p, version), () => {});
  }

  /**
   * Deletes a node and everything below it, children first; a node already gone counts as
   * deleted. Returns how many nodes this call removed. A child created concurrently is found on
   * the retry that the NOTEMPTY answer triggers.
   */
  async deleteRecursive(path: string): Promise<number> {
    checkPath(path);
    let removed = 0;
    for (let attempt = 0; attempt < 5; attempt++) {
      let children: string[];
      try {
        children = await this.getChildren(path);
      } catch (err) {
        if (isNoNode(err)) return removed;
        throw err;
      }
      for (const child of children) removed += await this.deleteRecursive(joinPath(path, child));
      if (path === "/") return removed; // the root itself cannot be deleted
      try {
        await this.delete(path);
        return removed + 1;
      } catch (err) {
        if (isNoNode(err)) return removed;
        if (!isNotEmpty(err)) throw err;
      }
    }
    throw new Error(`ZooKeeper node ${path} kept getting new children while being deleted`);
  }

  /** Closes the session; its ephemeral nodes go with it. */
  async close(): Promise<void> {
    await this.#session.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #call<T>(
    type: OpCode,
    operation: string,
    path: string,
    body: (serverPath: string) => ((w: JuteWriter) => void) | undefined,
    decode: (r: JuteReader) => T,
  ): Promise<T> {
    checkPath(path);
    const onServer = serverPath(this.#chroot, path);
    return this.#session.call(type, operation, onServer, body(onServer), decode);
  }
}
