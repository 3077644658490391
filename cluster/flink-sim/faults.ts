/**
 * Fault injection through annotations on the pod or any owner up its chain (FlinkDeployment,
 * Deployment, ReplicaSet…). Values are read live, so adding or removing an annotation changes
 * behaviour of a running JobManager within one fault-poll period. docs/simulator.md lists them.
 */
export const SIM_ANNOTATION_PREFIX = "sim.flinkop.dev/";

export const FaultAnnotations = {
  jobFail: `${SIM_ANNOTATION_PREFIX}job-fail`,
  jobFinish: `${SIM_ANNOTATION_PREFIX}job-finish`,
  jobRestarts: `${SIM_ANNOTATION_PREFIX}job-restarts`,
  savepointFail: `${SIM_ANNOTATION_PREFIX}savepoint-fail`,
  savepointDurationMs: `${SIM_ANNOTATION_PREFIX}savepoint-duration-ms`,
  checkpointFail: `${SIM_ANNOTATION_PREFIX}checkpoint-fail`,
  jobManagerCrash: `${SIM_ANNOTATION_PREFIX}jobmanager-crash`,
  restDelayMs: `${SIM_ANNOTATION_PREFIX}rest-delay-ms`,
  restUnreachable: `${SIM_ANNOTATION_PREFIX}rest-unreachable`,
  startupDelayMs: `${SIM_ANNOTATION_PREFIX}startup-delay-ms`,
} as const;

export interface Faults {
  /** Failure message: running jobs go FAILED (no restart). */
  jobFail?: string;
  /** Running jobs go FINISHED, like a bounded job reaching its end. */
  jobFinish: boolean;
  /** Target restart count: a job fails over until numRestarts reaches it. */
  jobRestarts: number;
  /** Failure message for savepoints and stop-with-savepoint. */
  savepointFail?: string;
  /** Savepoints (and stop-with-savepoint) triggered now take this long; 0 = the timings'. */
  savepointDurationMs: number;
  /** Failure message for checkpoints (periodic and triggered). */
  checkpointFail?: string;
  /** The JobManager process exits with an error once it has been up this long (0 = at start). */
  jobManagerCrashAfterMs?: number;
  restDelayMs: number;
  restUnreachable?: "refuse" | "hang";
  startupDelayMs: number;
}

export const NO_FAULTS: Readonly<Faults> = Object.freeze({
  jobFinish: false,
  jobRestarts: 0,
  savepointDurationMs: 0,
  restDelayMs: 0,
  startupDelayMs: 0,
});

export function parseFaults(annotations: Record<string, string>): Faults {
  const get = (key: string) => annotations[key]?.trim();
  return {
    jobFail: messageFlag(get(FaultAnnotations.jobFail), "Simulated job failure (job-fail)"),
    jobFinish: isTrue(get(FaultAnnotations.jobFinish)),
    jobRestarts: nonNegativeInt(get(FaultAnnotations.jobRestarts)),
    savepointFail: messageFlag(
      get(FaultAnnotations.savepointFail),
      "Simulated savepoint failure (savepoint-fail)",
    ),
    savepointDurationMs: nonNegativeInt(get(FaultAnnotations.savepointDurationMs)),
    checkpointFail: messageFlag(
      get(FaultAnnotations.checkpointFail),
      "Simulated checkpoint failure (checkpoint-fail)",
    ),
    jobManagerCrashAfterMs: crashDelay(get(FaultAnnotations.jobManagerCrash)),
    restDelayMs: nonNegativeInt(get(FaultAnnotations.restDelayMs)),
    restUnreachable: unreachableMode(get(FaultAnnotations.restUnreachable)),
    startupDelayMs: nonNegativeInt(get(FaultAnnotations.startupDelayMs)),
  };
}

function isTrue(value: string | undefined): boolean {
  return value?.toLowerCase() === "true";
}

/** "true" = default message; "false"/empty = off; anything else is the message itself. */
function messageFlag(value: string | undefined, defaultMessage: string): string | undefined {
  if (!value || value.toLowerCase() === "false") return undefined;
  return value.toLowerCase() === "true" ? defaultMessage : value;
}

function nonNegativeInt(value: string | undefined): number {
  const n = Number.parseInt(value ?? "", 10);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

function crashDelay(value: string | undefined): number | undefined {
  if (!value || value.toLowerCase() === "false") return undefined;
  if (value.toLowerCase() === "true") return 0;
  const n = Number.parseInt(value, 10);
  return Number.isFinite(n) && n >= 0 ? n : 0;
}

function unreachableMode(value: string | undefined): Faults["restUnreachable"] {
  const v = value?.toLowerCase();
  if (!v || v === "false") return undefined;
  return v === "hang" ? "hang" : "refuse";
}
