import type { KubeClient } from "../../lib/kube/client.ts";

/**
 * The contract between the node agent and what runs a container. The node agent owns pod
 * lifecycle (binding, volumes, restarts, status); a runtime only starts one container and reports
 * how it ends. The Flink simulator (cluster/flink-sim) and the real-Flink runtime implement it.
 */
export interface ContainerRuntime {
  /** A short name for logs and pod status, e.g. "sim". */
  readonly name: string;
  /** Whether this runtime can run the image; the node agent fails the pod otherwise. */
  accepts(image: string): boolean;
  /**
   * Images that are this runtime's own whatever the runtime order (e.g. the operator image, which
   * a Flink runtime's name match would otherwise take): chosen before any runtime that only
   * accepts them.
   */
  claims?(image: string): boolean;
  start(spec: ContainerSpec): Promise<RunningContainer>;
}

export interface ContainerSpec {
  namespace: string;
  podName: string;
  podUid: string;
  containerName: string;
  image: string;
  /** The pod's own loopback address (127.x.y.z); servers bind here, e.g. Flink REST on :8081. */
  podIP: string;
  command: string[];
  args: string[];
  env: Record<string, string>;
  /** Container mount path -> directory on the host holding the materialised volume. */
  mounts: Record<string, string>;
  /** Host directory that stands in for every file:// path not covered by a mount (shared by all pods). */
  sharedFsRoot: string;
  /** Pod-private scratch directory that survives container restarts (not pod deletion). */
  scratchDir: string;
  /** Current annotations of the pod and its owner chain (nearest wins); read live for fault injection. */
  annotations: () => Record<string, string>;
  /** The node agent's API client, e.g. for Flink's Kubernetes HA ConfigMaps. */
  kube: KubeClient;
  log: (message: string) => void;
  /**
   * Host path of the file `log` appends to (the container's log, kept after the pod is deleted):
   * a runtime that runs real processes sends their output there too.
   */
  logFile?: string;
}

export interface RunningContainer {
  /** Resolves once when the container ends. */
  readonly exited: Promise<ContainerExit>;
  /** Readiness as a probe would see it (used when the pod declares no probe). */
  ready(): boolean;
  /** SIGTERM semantics: begin a graceful stop. */
  terminate(): void;
  /** SIGKILL semantics: stop now. */
  kill(): void;
}

export interface ContainerExit {
  exitCode: number;
  /** Kubernetes terminated reason, e.g. "Completed", "Error", "OOMKilled". */
  reason: string;
  message?: string;
}
