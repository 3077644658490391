import type { ContainerExit } from "../nodeagent/runtime.ts";

/** Exit codes a JVM-based Flink process ends with. */
export const ExitCodes = {
  /** System.exit(0): cluster shut down on request or application succeeded/cancelled. */
  completed: 0,
  /** ClusterEntrypoint STARTUP_FAILURE_RETURN_CODE: bad config, bind error, HA unavailable. */
  startupFailure: 1,
  /** ClusterEntrypoint RUNTIME_FAILURE_RETURN_CODE: fatal error after start. */
  runtimeFailure: 2,
  /** ApplicationStatus.FAILED (1443) as the kernel reports it (mod 256). */
  applicationFailed: 1443 & 0xff,
  /** 128 + SIGTERM: the JVM ran its shutdown hooks after a graceful stop. */
  terminated: 143,
  /** 128 + SIGKILL. */
  killed: 137,
} as const;

/** The single exit of a simulated process: the first call to `exit` wins. */
export class ProcessExit {
  readonly exited: Promise<ContainerExit>;
  #resolve!: (exit: ContainerExit) => void;
  #done = false;

  constructor() {
    this.exited = new Promise((resolve) => (this.#resolve = resolve));
  }

  get alive(): boolean {
    return !this.#done;
  }

  exit(exitCode: number, message?: string): boolean {
    if (this.#done) return false;
    this.#done = true;
    this.#resolve({
      exitCode,
      reason: exitCode === 0 ? "Completed" : "Error",
      ...(message ? { message } : {}),
    });
    return true;
  }
}
