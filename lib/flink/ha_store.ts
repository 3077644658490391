/**
 * A cluster's HA metadata wherever `high-availability.type` puts it (FKO's AbstractFlinkService
 * isHaMetadataAvailable / atLeastOneCheckpoint / deleteHAData and the job-graph removal before a
 * resubmit): znodes for ZooKeeper HA (zookeeper_ha.ts); ConfigMaps for Kubernetes HA and, as
 * before ZooKeeper was supported, for every other type (ha.ts).
 */
import type { FlatConfig } from "../config/options.ts";
import type { KubeClient } from "../kube/client.ts";
import { deleteHaMetadata, readHaMetadata, removeJobGraphs } from "./ha.ts";
import {
  deleteZooKeeperHaMetadata,
  isZooKeeperHa,
  removeZooKeeperJobGraphs,
  zooKeeperHaLocation,
  zooKeeperHaMetadataAvailable,
} from "./zookeeper_ha.ts";

export interface HaPresence {
  /** HA metadata exists: the job can be recovered by Flink itself (last-state). */
  available: boolean;
  /**
   * A checkpoint is recorded (the operator then guards the restore with its sentinel savepoint
   * path). Only Kubernetes HA can tell; for ZooKeeper it is `available`, as in FKO.
   */
  hasCheckpoint: boolean;
}

export interface HaStore {
  /** Throws when it cannot be told: doubt is never reported as "no metadata". */
  read(): Promise<HaPresence>;
  /** Removes the stored job graphs, keeping checkpoints, so a resubmit runs the new graph. */
  removeJobGraphs(): Promise<void>;
  /** Removes all of the cluster's HA metadata; returns how many objects went. */
  deleteAll(): Promise<number>;
}

export interface HaStoreTarget {
  client: KubeClient;
  namespace: string;
  clusterId: string;
  /** The resource's effective Flink configuration. */
  flinkConfig: FlatConfig;
  /** How long one ZooKeeper reply may take. */
  requestTimeoutMs: number;
}

export function haStore(target: HaStoreTarget): HaStore {
  const { client, namespace, clusterId } = target;
  if (isZooKeeperHa(target.flinkConfig)) {
    const timeout = target.requestTimeoutMs;
    const location = () => zooKeeperHaLocation(target.flinkConfig, clusterId);
    return {
      read: async () => {
        const available = await zooKeeperHaMetadataAvailable(location(), timeout);
        return { available, hasCheckpoint: available };
      },
      removeJobGraphs: async () => {
        await removeZooKeeperJobGraphs(location(), timeout);
      },
      deleteAll: () => deleteZooKeeperHaMetadata(location(), timeout),
    };
  }
  return {
    read: () => readHaMetadata(client, namespace, clusterId),
    removeJobGraphs: () => removeJobGraphs(client, namespace, clusterId),
    deleteAll: () => deleteHaMetadata(client, namespace, clusterId),
  };
}
