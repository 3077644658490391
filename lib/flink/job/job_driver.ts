/**
 * What differs between the job of an application FlinkDeployment and a FlinkSessionJob: how the
 * job starts and stops, where its REST API is, and what its status derives. Everything else of
 * the job lifecycle (upgrade decisions, suspend and restore, snapshots, write-ahead bookkeeping)
 * is one piece of code over this interface, as FKO's `AbstractJobReconciler` is over its
 * `ApplicationReconciler` and `SessionJobReconciler`.
 */
import type { FlinkVersion, KubernetesDeploymentMode } from "../../api/enums.ts";
import type { Action } from "../../runtime/action.ts";
import type { HaPresence } from "../ha_store.ts";
import type { JobUpgradeInput, SuspendMode } from "../spec/upgrade.ts";

export interface DeployOptions {
  /** Savepoint or checkpoint to restore from; none starts empty (or from HA metadata). */
  readonly savepointPath?: string;
  /** Restore through HA metadata (a last-state restore); fails if there is none. */
  readonly requireHa: boolean;
}

/** The facts of an upgrade decision that depend on the kind of resource. */
export type UpgradeFacts = Pick<
  JobUpgradeInput,
  | "lastReconciledFlinkVersion"
  | "flinkVersion"
  | "jobManagerDeploymentStatus"
  | "haEnabledInDeployConfig"
  | "haEnabledInObserveConfig"
  | "haMetadataAvailable"
  | "jobManagerPodNeverStarted"
  | "isSessionJob"
>;

/** `P` is the pass type of the kind (see ResourcePass); every method gets the current pass. */
export interface JobDriver<P extends { readonly spec: unknown }> {
  /**
   * FKO's event component for this kind's errors (part of the event name, so counts continue
   * across a migration): JobManagerDeployment for FlinkDeployments, Job for session jobs.
   */
  readonly errorComponent: "JobManagerDeployment" | "Job";
  /** The status to persist, with what FKO recomputes on every write (lifecycle, conditions). */
  statusToWrite(p: P): unknown;
  /** The FlinkDeployment whose JobManager serves the job's REST API. */
  clusterId(p: P): string;
  /** Flink version the job runs on (a session job's is its session cluster's). */
  flinkVersion(p: P): FlinkVersion | undefined;
  /** How the job's cluster runs (`spec.mode`): what some spec changes mean depends on it. */
  deploymentMode(p: P): KubernetesDeploymentMode;
  /**
   * Continues the pass with another spec (the last valid one, or the stable spec of a
   * rollback), recomputing what derives from it.
   */
  useSpec(p: P, spec: P["spec"]): void;
  /** The JobManager answers REST, so the job can be observed, stopped and snapshotted. */
  jobManagerReady(p: P): boolean;
  /**
   * The facts of an upgrade decision. `ha`: what the job's HA metadata store holds, when already
   * known (`flinkop plan` passes each possibility when the store cannot be read); read otherwise.
   */
  upgradeFacts(p: P, ha?: HaPresence): Promise<UpgradeFacts>;
  /** Starts the job: a new application cluster, or the jar submitted to the session cluster. */
  deploy(p: P, spec: P["spec"], opts: DeployOptions): Promise<void>;
  /** Stops the job without its state (an application cluster also goes, with its HA data). */
  stopStateless(p: P): Promise<void>;
  /** Removes the JobManager but keeps its HA metadata (application clusters only). */
  stopKeepingHaMetadata(p: P): Promise<void>;
  /**
   * Called when a stop finished: the job is over (its savepoint or checkpoint recorded) and a new
   * one may be started. `mode` says how it was stopped.
   */
  afterStop(p: P, mode: SuspendMode): Promise<void>;
  /** Whether `afterStop` removes the job's cluster after a stop in `mode` (for `flinkop plan`). */
  clusterRemovedAfterStop(p: P, mode: SuspendMode): boolean;
  /** Before a FAILED job is resubmitted (an application cluster is removed, HA kept). */
  cleanupAfterFailedJob(p: P): Promise<void>;
  /**
   * After a crash in UPGRADING: whether the recorded deploy reached the cluster although its
   * success was never written (then the pass records it instead of deploying twice).
   */
  alreadyDeployed(p: P): Promise<boolean>;
  /** When the next pass should run, from what the pass observed. */
  nextPassDelay(p: P): number;
  /** Kind-specific duties when no spec change is pending (e.g. JobManager recovery). */
  reconcileOtherChanges(p: P): Promise<Action | undefined>;
}
