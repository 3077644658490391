/**
 * The operator under test: `main.ts run` as its own process (so it can be SIGKILLed and started
 * again, as a crashing pod would be), its output appended to one log file across restarts as it
 * comes, so a run that is still waiting can be looked into.
 */
import { operatorArgs, OperatorProcess } from "../../tests/support/operator_process.ts";

export class ChaosOperator {
  #process?: OperatorProcess;
  starts = 0;

  constructor(
    private readonly kubeconfig: string,
    private readonly namespace: string,
    private readonly settings: Record<string, string>,
    private readonly logFile: string,
    private readonly logLevel = "info",
  ) {}

  get running(): boolean {
    return this.#process !== undefined && this.#process.exitCode === undefined;
  }

  start(): void {
    if (this.running) return;
    this.starts++;
    this.#append(`=== operator start ${this.starts} at ${new Date().toISOString()}\n`);
    this.#process = new OperatorProcess(
      ["-A"],
      operatorArgs(this.kubeconfig, undefined, [
        "--watch-namespaces",
        this.namespace,
        "--log-level",
        this.logLevel,
      ], {
        ...this.settings,
      }),
      {},
      "main",
      (text) => this.#append(text),
    );
  }

  /** SIGKILL: no shutdown, no lease hand-back, status writes cut wherever they were. */
  async kill(): Promise<void> {
    const process = this.#process;
    if (!process) return;
    await process.kill();
    this.#markEnd("killed (SIGKILL)");
    this.#process = undefined;
  }

  async stop(): Promise<void> {
    const process = this.#process;
    if (!process) return;
    await process.stop();
    this.#markEnd("stopped");
    this.#process = undefined;
  }

  /** An operator that exited by itself (it should not): its exit code, else undefined. */
  get exitedByItself(): number | undefined {
    return this.#process?.exitCode;
  }

  #markEnd(how: string): void {
    this.#append(`=== operator start ${this.starts} ${how} at ${new Date().toISOString()}\n`);
  }

  #append(text: string): void {
    Deno.writeTextFileSync(this.logFile, text, { append: true });
  }

  /** The current process's log so far (stderr carries the operator's log lines). */
  get currentLog(): string {
    return this.#process ? this.#process.stdout + this.#process.stderr : "";
  }
}
