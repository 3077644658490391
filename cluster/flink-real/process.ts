import type { ContainerExit, RunningContainer } from "../nodeagent/runtime.ts";
import { ProcessExit } from "../flink-sim/process_exit.ts";

/** How a container's process is started and watched (runtime.ts fills it in). */
export interface ProcessPlan {
  /** The program (unshare) and its arguments, ending with the command to run inside the root. */
  program: string;
  args: string[];
  env: Record<string, string>;
  /** Host file the process's stdout and stderr are appended to (the container log). */
  outputFile: string;
  /** Answers whether the process serves (e.g. the JobManager's REST API); none: alive = ready. */
  readinessCheck?: () => Promise<boolean>;
  /** Runs once after the process exited, e.g. removes its /tmp. */
  cleanup: () => Promise<void>;
  log: (message: string) => void;
}

const READINESS_POLL_MS = { unready: 500, ready: 5_000 };
const SIGNAL_NUMBERS: Partial<Record<Deno.Signal, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGABRT: 6,
  SIGKILL: 9,
  SIGSEGV: 11,
  SIGTERM: 15,
};

/**
 * One real process as a container: SIGTERM on terminate(), SIGKILL on kill(), its exit code as
 * the container's, ready when its readiness check answers (polled in the background, since the
 * node agent reads ready() synchronously).
 */
export class RealProcess implements RunningContainer {
  readonly #exit = new ProcessExit();
  readonly #child: Deno.ChildProcess;
  #ready = false;
  #signalled = false;
  #readinessTimer: ReturnType<typeof setTimeout> | undefined;

  private constructor(private readonly plan: ProcessPlan) {
    this.#child = new Deno.Command(plan.program, {
      args: plan.args,
      env: plan.env,
      clearEnv: true,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
  }

  /** Spawns the process; throws (a StartError for the node agent) when it cannot be spawned. */
  static start(plan: ProcessPlan): RealProcess {
    const process = new RealProcess(plan);
    process.#watch();
    if (plan.readinessCheck) process.#pollReadiness(plan.readinessCheck);
    else process.#ready = true;
    return process;
  }

  get pid(): number {
    return this.#child.pid;
  }

  get exited(): Promise<ContainerExit> {
    return this.#exit.exited;
  }

  ready(): boolean {
    return this.#exit.alive && this.#ready;
  }

  terminate(): void {
    this.#signal("SIGTERM");
  }

  kill(): void {
    this.#signal("SIGKILL");
  }

  #signal(signal: Deno.Signal): void {
    if (!this.#exit.alive) return;
    this.#signalled = true;
    try {
      this.#child.kill(signal);
    } catch {
      // exited a moment ago; #watch reports it
    }
  }

  async #watch(): Promise<void> {
    const status = await this.#child.status;
    clearTimeout(this.#readinessTimer);
    const code = status.signal ? 128 + (SIGNAL_NUMBERS[status.signal] ?? 0) : status.code;
    // As with terminationMessagePolicy FallbackToLogsOnError: a failing process's last errors.
    const message = code !== 0 && !this.#signalled
      ? await errorTail(this.plan.outputFile)
      : undefined;
    await this.plan.cleanup().catch((err) => this.plan.log(`cleanup failed: ${err}`));
    this.#exit.exit(code, message);
  }

  #pollReadiness(check: () => Promise<boolean>): void {
    const poll = async () => {
      if (!this.#exit.alive) return;
      this.#ready = await check().catch(() => false);
      if (!this.#exit.alive) return;
      this.#readinessTimer = setTimeout(
        poll,
        this.#ready ? READINESS_POLL_MS.ready : READINESS_POLL_MS.unready,
      );
    };
    this.#readinessTimer = setTimeout(poll, READINESS_POLL_MS.unready);
  }
}

/** The last error lines of a process's output, for the container's termination message. */
async function errorTail(outputFile: string): Promise<string | undefined> {
  let text: string;
  try {
    const file = await Deno.open(outputFile);
    try {
      const size = (await file.stat()).size;
      const length = Math.min(size, 64 * 1024);
      await file.seek(size - length, Deno.SeekMode.Start);
      const buf = new Uint8Array(length);
      let read = 0;
      while (read < length) {
        const n = await file.read(buf.subarray(read));
        if (n === null) break;
        read += n;
      }
      text = new TextDecoder().decode(buf.subarray(0, read));
    } finally {
      file.close();
    }
  } catch {
    return undefined;
  }
  const lines = text.split("\n").filter((l) => /ERROR|Exception|Error:|error:/.test(l));
  const tail = lines.slice(-3).join("\n").trim();
  return tail ? tail.slice(-1500) : undefined;
}
