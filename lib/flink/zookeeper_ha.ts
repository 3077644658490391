/**
 * Flink's ZooKeeper HA metadata, read and removed as FKO does it (FlinkUtils'
 * isZookeeperHaMetadataAvailable, deleteZookeeperHAMetadata, deleteJobGraphInZookeeperHA). Flink
 * keeps a cluster's metadata below `<high-availability.zookeeper.path.root>/<cluster-id>` (the
 * operator sets the cluster id to the FlinkDeployment's name):
 *
 *   /jobs/<job id>/...      per running job: checkpoints, checkpoint id counter. Present while a
 *                           job can be recovered; Flink removes it when the job ends for good.
 *   /jobgraphs/<job id>     the submitted job graph (Flink 1.x, `…path.jobgraphs`)
 *   /execution-plans/<id>   the same in Flink 2.x (`…path.execution-plans`)
 *   /leader/...             leader election and addresses
 *
 * Unlike FKO, which logs a failed ZooKeeper call and carries on as if there were no metadata,
 * every failure here throws: a last-state decision or a stateless start must never be made on
 * metadata that could not be read, nor a deletion be reported done that did not happen.
 */
import { parseDuration } from "../config/duration.ts";
import type { FlatConfig } from "../config/options.ts";
import { connectZooKeeper, type ZooKeeperClient } from "../zookeeper/client.ts";
import { isNoNode } from "../zookeeper/errors.ts";
import { joinPath } from "../zookeeper/paths.ts";
import { errorMessage } from "../error_message.ts";

export const ZK_QUORUM_KEY = "high-availability.zookeeper.quorum";
const ROOT_KEY = "high-availability.zookeeper.path.root";
const JOB_GRAPHS_KEY = "high-availability.zookeeper.path.jobgraphs";
const EXECUTION_PLANS_KEY = "high-availability.zookeeper.path.execution-plans";
const SESSION_TIMEOUT_KEY = "high-availability.zookeeper.client.session-timeout";
const CONNECTION_TIMEOUT_KEY = "high-availability.zookeeper.client.connection-timeout";

/** Flink's `HighAvailabilityMode.ZOOKEEPER`: the type (or its deprecated keys) says zookeeper. */
export function isZooKeeperHa(conf: Record<string, string>): boolean {
  const mode = conf["high-availability.type"] ?? conf["high-availability"] ?? conf["recovery.mode"];
  return mode?.trim().toLowerCase() === "zookeeper";
}

/** Where a cluster's ZooKeeper HA metadata is and how to reach it. */
export interface ZooKeeperHaLocation {
  /** `high-availability.zookeeper.quorum`, as given (servers, optional chroot). */
  quorum: string;
  /** `<root>/<cluster-id>`: everything of this cluster. */
  clusterPath: string;
  /** `<clusterPath>/jobs`: present with children while a job can be recovered. */
  jobsPath: string;
  /** The job graph stores of Flink 1.x and 2.x, both removed before a last-state resubmit. */
  jobGraphPaths: string[];
  sessionTimeoutMs: number;
  connectTimeoutMs: number;
}

/** A configuration problem, naming the key and the fix. */
export class ZooKeeperHaConfigError extends Error {
  override name = "ZooKeeperHaConfigError";
}

/**
 * Reads the location from a resource's Flink configuration (the keys Flink reads, deprecated
 * ones included, with Flink's defaults).
 */
export function zooKeeperHaLocation(conf: FlatConfig, clusterId: string): ZooKeeperHaLocation {
  const get = (...keys: string[]) => {
    for (const key of keys) {
      const value = conf[key]?.trim();
      if (value) return value;
    }
    return undefined;
  };
  const quorum = get(ZK_QUORUM_KEY, "recovery.zookeeper.quorum");
  if (!quorum) {
    throw new ZooKeeperHaConfigError(
      `high-availability.type is zookeeper but ${ZK_QUORUM_KEY} is not set: set it in ` +
        "spec.flinkConfiguration to the ZooKeeper servers (host:port[,host:port...])",
    );
  }
  const clusterPath = joinPath(
    get(ROOT_KEY, "recovery.zookeeper.path.root") ?? "/flink",
    clusterId,
  );
  const jobsPath = joinPath(clusterPath, "jobs");
  const legacyKeys = [JOB_GRAPHS_KEY, "recovery.zookeeper.path.jobgraphs"];
  const jobGraphPaths = [
    { key: JOB_GRAPHS_KEY, value: get(...legacyKeys) ?? "/jobgraphs" },
    {
      key: EXECUTION_PLANS_KEY,
      value: get(EXECUTION_PLANS_KEY, ...legacyKeys) ?? "/execution-plans",
    },
  ].map(({ key, value }) => {
    const path = joinPath(clusterPath, value);
    if (path === clusterPath || path === jobsPath || path.startsWith(`${jobsPath}/`)) {
      throw new ZooKeeperHaConfigError(
        `${key}: "${value}" would put job graphs where the cluster's checkpoints are ` +
          `(${path}); use a path of its own such as the default`,
      );
    }
    return path;
  });
  return {
    quorum,
    clusterPath,
    jobsPath,
    jobGraphPaths: [...new Set(jobGraphPaths)],
    sessionTimeoutMs: durationOf(conf, SESSION_TIMEOUT_KEY, 60_000),
    connectTimeoutMs: durationOf(conf, CONNECTION_TIMEOUT_KEY, 15_000),
  };
}

function durationOf(conf: FlatConfig, key: string, fallback: number): number {
  const text = conf[key] ?? conf[key.replace(/^high-availability\./, "recovery.")];
  if (text === undefined || text.trim() === "") return fallback;
  try {
    return parseDuration(text);
  } catch (err) {
    throw new ZooKeeperHaConfigError(`${key}: ${errorMessage(err)}`);
  }
}

/** ZooKeeper could not be asked or did not do what was asked; names the quorum and the option. */
export class ZooKeeperHaUnavailableError extends Error {
  override name = "ZooKeeperHaUnavailableError";
}

/**
 * Runs `fn` on a fresh session to the location's quorum, closed afterwards. Any failure becomes a
 * ZooKeeperHaUnavailableError saying what was being done, where, and what to check.
 */
export async function withZooKeeper<T>(
  location: ZooKeeperHaLocation,
  what: string,
  requestTimeoutMs: number,
  fn: (zk: ZooKeeperClient) => Promise<T>,
): Promise<T> {
  try {
    await using zk = await connectZooKeeper({
      connectString: location.quorum,
      sessionTimeoutMs: location.sessionTimeoutMs,
      connectTimeoutMs: location.connectTimeoutMs,
      requestTimeoutMs,
    });
    return await fn(zk);
  } catch (err) {
    throw new ZooKeeperHaUnavailableError(
      `ZooKeeper HA (${ZK_QUORUM_KEY}: "${location.quorum}"): could not ${what}: ` +
        `${errorMessage(err)}. Nothing is decided without it; retrying. Check that ZooKeeper ` +
        `runs and is reachable from the operator, or correct ${ZK_QUORUM_KEY}`,
    );
  }
}

/** Whether the cluster has recoverable jobs: `<cluster>/jobs` exists and has children. */
export async function zooKeeperHaMetadataAvailable(
  location: ZooKeeperHaLocation,
  requestTimeoutMs: number,
): Promise<boolean> {
  return await withZooKeeper(
    location,
    `read the HA metadata at ${location.jobsPath}`,
    requestTimeoutMs,
    async (zk) => {
      try {
        return (await zk.getChildren(location.jobsPath)).length > 0;
      } catch (err) {
        if (isNoNode(err)) return false;
        throw err;
      }
    },
  );
}

/** Removes the job graph stores (1.x and 2.x), keeping checkpoints for a last-state resubmit. */
export async function removeZooKeeperJobGraphs(
  location: ZooKeeperHaLocation,
  requestTimeoutMs: number,
): Promise<number> {
  return await withZooKeeper(
    location,
    `remove the job graphs at ${location.jobGraphPaths.join(" and ")}`,
    requestTimeoutMs,
    async (zk) => {
      let removed = 0;
      for (const path of location.jobGraphPaths) removed += await zk.deleteRecursive(path);
      return removed;
    },
  );
}

/** Removes everything of the cluster (`<root>/<cluster-id>` and below); returns the node count. */
export async function deleteZooKeeperHaMetadata(
  location: ZooKeeperHaLocation,
  requestTimeoutMs: number,
): Promise<number> {
  return await withZooKeeper(
    location,
    `delete the HA metadata at ${location.clusterPath}`,
    requestTimeoutMs,
    (zk) => zk.deleteRecursive(location.clusterPath),
  );
}
