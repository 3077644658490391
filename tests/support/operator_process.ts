/** Runs `main.ts run` as a child process, for tests that kill, restart or sandbox the operator. */

/** What the child runs: `main.ts run` (the product), or the crash-test entry. */
const ENTRIES = {
  main: ["main.ts", "run"],
  crashing: ["tests/support/crashing_operator.ts"],
} as const;
import { FAST_OPERATOR_CONFIG } from "./operator.ts";
import { testKubeconfig } from "./cluster.ts";

const repoRoot = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

/** An operator subprocess with the given Deno permission flags; output kept for assertions. */
export class OperatorProcess {
  #child: Deno.ChildProcess;
  #stdout = "";
  #stderr = "";
  #pumps: Promise<void>[];
  /** Set once the process has exited. */
  exitCode: number | undefined;
  readonly status: Promise<Deno.CommandStatus>;

  constructor(
    flags: string[],
    args: string[],
    env: Record<string, string>,
    entry: keyof typeof ENTRIES = "main",
    /** Called with each piece of output as it arrives (the chaos run's log file). */
    onOutput?: (text: string) => void,
  ) {
    // A clean environment: nothing from the caller (KUBECONFIG, WATCH_NAMESPACES, proxies,
    // FLINK_CONF_*) may change what is tested; only what deno needs to find its cache.
    const passThrough: Record<string, string> = {};
    for (const name of ["HOME", "DENO_DIR", "XDG_CACHE_HOME", "PATH"]) {
      const value = Deno.env.get(name);
      if (value !== undefined) passThrough[name] = value;
    }
    this.#child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", ...flags, ...entryArgs(entry), ...args],
      cwd: repoRoot,
      clearEnv: true,
      env: { ...passThrough, NO_COLOR: "1", ...env },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const pump = async (stream: ReadableStream<Uint8Array>, sink: (s: string) => void) => {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        sink(chunk);
        onOutput?.(chunk);
      }
    };
    this.#pumps = [
      pump(this.#child.stdout, (s) => this.#stdout += s),
      pump(this.#child.stderr, (s) => this.#stderr += s),
    ];
    this.status = this.#child.status.then((status) => {
      this.exitCode = status.code;
      return status;
    });
  }

  get stdout(): string {
    return this.#stdout;
  }

  get stderr(): string {
    return this.#stderr;
  }

  get output(): string {
    return `--- stdout\n${this.#stdout}\n--- stderr\n${this.#stderr}`;
  }

  /** Waits for the process to exit by itself, killing it after `timeoutMs`. */
  async exited(timeoutMs: number): Promise<Deno.CommandStatus> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"timeout">((r) =>
      timer = setTimeout(() => r("timeout"), timeoutMs)
    );
    const result = await Promise.race([this.status, timeout]);
    clearTimeout(timer);
    if (result === "timeout") {
      await this.stop();
      throw new Error(`operator did not exit within ${timeoutMs} ms\n${this.output}`);
    }
    await Promise.all(this.#pumps);
    return result;
  }

  /** SIGKILL: the operator dies without any chance to clean up (crash tests). */
  async kill(): Promise<Deno.CommandStatus> {
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // already exited
    }
    const status = await this.status;
    await Promise.all(this.#pumps);
    return status;
  }

  /** SIGTERM (a graceful shutdown), then SIGKILL if it lingers; returns the exit status. */
  async stop(): Promise<Deno.CommandStatus> {
    try {
      this.#child.kill("SIGTERM");
    } catch {
      // already exited
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((r) => timer = setTimeout(() => r("late"), 20_000));
    if (await Promise.race([this.status, late]) === "late") this.#child.kill("SIGKILL");
    clearTimeout(timer);
    const status = await this.status;
    await Promise.all(this.#pumps);
    return status;
  }
}

function entryArgs(entry: keyof typeof ENTRIES): string[] {
  const [file, ...rest] = ENTRIES[entry];
  return [`${repoRoot}/${file}`, ...rest];
}

export function operatorArgs(
  kubeconfig: string,
  healthPort: number | undefined,
  extra: string[],
  overrides: Record<string, string> = {},
): string[] {
  const settings = {
    ...FAST_OPERATOR_CONFIG,
    ...(healthPort === undefined
      ? { "kubernetes.operator.health.probe.enabled": "false" }
      : { "kubernetes.operator.health.probe.port": String(healthPort) }),
    ...overrides,
  };
  return [
    "--kubeconfig",
    kubeconfig,
    "--rest-access",
    "pod-ip",
    "--log-format",
    "text",
    ...Object.entries(settings).flatMap(([k, v]) => ["--set", `${k}=${v}`]),
    ...extra,
  ];
}

/**
 * The operator with all permissions against the shared test cluster, watching one namespace.
 * With `crashAt`, it exits right after that write-ahead status write (crash-safety tests).
 */
export async function spawnOperator(
  namespace: string,
  opts: { env?: Record<string, string>; settings?: Record<string, string>; crashAt?: string } = {},
): Promise<OperatorProcess> {
  const args = operatorArgs(await testKubeconfig(), undefined, [
    "--watch-namespaces",
    namespace,
  ], opts.settings);
  if (opts.crashAt === undefined) return new OperatorProcess(["-A"], args, opts.env ?? {});
  const env = { ...opts.env, FLINKOP_TEST_CRASH_AT: opts.crashAt };
  return new OperatorProcess(["-A"], args, env, "crashing");
}
