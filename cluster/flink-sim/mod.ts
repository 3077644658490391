/**
 * The Flink simulator: a ContainerRuntime that runs Flink images as cheap in-process JobManagers
 * and TaskManagers speaking Flink's REST API and Kubernetes HA layout. See docs/simulator.md.
 */
export {
  createSimRuntime,
  type SimContainer,
  SimRuntime,
  type SimRuntimeOptions,
} from "./runtime.ts";
export { DEFAULT_SIM_TIMINGS, type SimTimings } from "./timings.ts";
export { FaultAnnotations, type Faults, parseFaults, SIM_ANNOTATION_PREFIX } from "./faults.ts";
export { type SavepointDisposal, savepointDisposals } from "./savepoint_disposal.ts";
export {
  type HaConfigMap,
  haConfigMapObject,
  type HaConfigMapStore,
  haLabels,
  kubeHaStore,
  MemoryHaStore,
} from "./ha_store.ts";
export {
  checkpointKey,
  clusterConfigMapName,
  jobConfigMapName,
  jobGraphKey,
} from "./kubernetes_ha.ts";
export type { HaStoreFactory, SimJobManager } from "./jobmanager.ts";
export type { SimTaskManager } from "./taskmanager.ts";
export { isFlinkImage } from "./image.ts";
export { type SnapshotMetadata } from "./snapshot_files.ts";
