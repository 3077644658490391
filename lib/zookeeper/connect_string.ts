/**
 * A ZooKeeper connect string, as Flink's `high-availability.zookeeper.quorum` holds it:
 * `host:port[,host:port...][/chroot]`. Whitespace is ignored (Flink strips it too), a missing port
 * means 2181, IPv6 addresses go in brackets (`[::1]:2181`).
 */
import { checkPath } from "./paths.ts";

export interface ServerAddress {
  host: string;
  port: number;
}

export interface ConnectString {
  servers: ServerAddress[];
  /** Prefix of every path on the server, `""` for none. */
  chroot: string;
}

export const DEFAULT_CLIENT_PORT = 2181;

/** Parses a connect string; throws a RangeError that quotes it and says what is wrong. */
export function parseConnectString(text: string): ConnectString {
  const compact = text.replace(/\s+/g, "");
  const slash = compact.indexOf("/");
  const hosts = slash < 0 ? compact : compact.slice(0, slash);
  let chroot = slash < 0 ? "" : compact.slice(slash);
  if (chroot === "/") chroot = "";
  const fail = (why: string): never => {
    throw new RangeError(
      `"${text}" is not a ZooKeeper connect string (host:port[,host:port...][/chroot]): ${why}`,
    );
  };
  if (chroot) {
    try {
      checkPath(chroot);
    } catch (err) {
      fail(`the chroot ${(err as Error).message}`);
    }
  }
  const servers = hosts.split(",").filter((h) => h !== "").map((entry) => {
    const m = /^(\[[^\]]+\]|[^:\[\]]+)(?::(\d+))?$/.exec(entry);
    if (!m) return fail(`"${entry}" is not host or host:port`);
    const port = m[2] === undefined ? DEFAULT_CLIENT_PORT : Number(m[2]);
    if (!(port > 0 && port < 65536)) return fail(`port ${m[2]} of "${entry}" is out of range`);
    return { host: m[1].replace(/^\[|\]$/g, ""), port };
  });
  if (servers.length === 0) fail("no server in it");
  return { servers, chroot };
}

export function formatAddress(a: ServerAddress): string {
  return a.host.includes(":") ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
