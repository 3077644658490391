/**
 * The FlinkSessionJob side of the job lifecycle (FKO SessionJobReconciler): the job runs on a
 * session cluster it does not own, so starting it submits its jar, every stop goes through the
 * REST API, and there is neither a cluster to delete nor HA metadata of its own.
 */
import { isGloballyTerminal } from "../../api/enums.ts";
import {
  type FlinkSessionJobStatus,
  FlinkSessionJobStatusSchema,
} from "../../api/flink_session_job.ts";
import { toKnownFields } from "../../api/known_fields.ts";
import { lastReconciled } from "../job/bookkeeping.ts";
import type { JobDriver } from "../job/job_driver.ts";
import { inFlightDelayMs } from "../job/pass_delay.ts";
import { rest } from "../job/resource_pass.ts";
import { cancelJob } from "../job/stop_job.ts";
import { sessionJobConfig } from "../session_job_config.ts";
import { computeLifecycleState } from "../spec/lifecycle.ts";
import type { SessionJobPass } from "./pass.ts";
import { sessionClusterReady } from "./session_cluster.ts";
import { submitSessionJob } from "./submit.ts";

export const sessionJobDriver: JobDriver<SessionJobPass> = {
  errorComponent: "Job",
  statusToWrite(p): FlinkSessionJobStatus {
    p.status.lifecycleState = computeLifecycleState(p.status, { kind: "FlinkSessionJob" });
    return toKnownFields(FlinkSessionJobStatusSchema, p.status);
  },
  // The deployment name is immutable once deployed; the recorded one is where the job runs.
  clusterId: (p) => lastReconciled(p)?.spec.deploymentName ?? p.spec.deploymentName ?? "",
  flinkVersion: (p) => p.session?.spec.flinkVersion,
  deploymentMode: (p) => p.session?.spec.mode ?? "native",
  useSpec(p, spec) {
    p.spec = spec;
    p.rc = sessionJobConfig(p.env.config, p.ns, spec, p.session?.spec);
  },
  jobManagerReady: (p) => sessionClusterReady(p.session),

  upgradeFacts: (p) =>
    Promise.resolve({
      // A session job runs on whatever version its cluster runs: no version change of its own.
      lastReconciledFlinkVersion: p.session?.spec.flinkVersion,
      flinkVersion: p.session?.spec.flinkVersion,
      haEnabledInDeployConfig: false,
      haEnabledInObserveConfig: false,
      haMetadataAvailable: false,
      jobManagerPodNeverStarted: false,
      isSessionJob: true,
    }),

  deploy: submitSessionJob,

  async stopStateless(p) {
    const js = p.status.jobStatus;
    if (js.jobId && !isGloballyTerminal(js.state)) await cancelJob(p, { ignoreMissing: true });
  },

  stopKeepingHaMetadata() {
    // The upgrade decision never picks it for session jobs (they always cancel instead).
    return Promise.reject(new Error("a session job has no HA metadata of its own to restore from"));
  },

  // The session cluster belongs to its FlinkDeployment.
  clusterRemovedAfterStop: () => false,
  afterStop(p) {
    // The stopped job's id must not pass for the next one: a crash before the next submission
    // would otherwise find the old (finished) job and record the new one as deployed.
    p.status.jobStatus.jobId = undefined;
    return Promise.resolve();
  },

  cleanupAfterFailedJob: () => Promise.resolve(),

  /** The recorded job id runs (and is not being cancelled) on the session cluster. */
  async alreadyDeployed(p) {
    const jobId = p.status.jobStatus.jobId;
    if (!jobId) return false;
    const job = (await (await rest(p)).listJobs()).find((j) => j.jid === jobId);
    return job !== undefined && job.state !== "CANCELLING" && job.state !== "CANCELED";
  },

  nextPassDelay(p) {
    const state = p.status.jobStatus.state;
    const settled = state === "RUNNING" || isGloballyTerminal(state) ||
      lastReconciled(p)?.spec.job?.state === "suspended";
    return settled ? p.env.config.reconcileIntervalMs : inFlightDelayMs(p);
  },

  reconcileOtherChanges: () => Promise.resolve(undefined),
};
