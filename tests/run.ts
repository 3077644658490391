/**
 * `deno task test [--down] [deno test args...]`: unit tests, then integration tests against one
 * shared local cluster (started or reused here, left running afterwards for fast reruns unless
 * `--down` is given or CI is set). Extra arguments (e.g. `--filter watch`) go to both `deno test`
 * runs. The last line of output is always `N passed, N failed`.
 */
import {
  controlPlaneStatus,
  ensureControlPlane,
  NodeAgentNotReadyError,
  stopControlPlane,
} from "../cluster/controlplane.ts";
import { defaultStateDir } from "../cluster/paths.ts";
import { TEST_KUBECONFIG_ENV, TEST_STATE_DIR_ENV } from "./support/cluster.ts";

interface RunResult {
  success: boolean;
  passed: number;
  failed: number;
}

const repoRoot = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

async function main(args: string[]): Promise<number> {
  const down = args.includes("--down") || isCi();
  const testArgs = args.filter((a) => a !== "--down");
  const results: RunResult[] = [];

  results.push(await denoTest("tests/unit", testArgs, {}));

  const stateDir = defaultStateDir();
  try {
    const kubeconfig = await clusterForTests(stateDir, results);
    results.push(
      await denoTest("tests/integration", testArgs, {
        [TEST_KUBECONFIG_ENV]: kubeconfig,
        [TEST_STATE_DIR_ENV]: stateDir,
      }),
    );
  } catch (err) {
    console.error(`test: the local cluster did not come up: ${errorMessage(err)}`);
    results.push({ success: false, passed: 0, failed: 1 });
  } finally {
    if (down) {
      try {
        await stopControlPlane(stateDir);
      } catch (err) {
        console.error(`test: could not stop the local cluster: ${errorMessage(err)}`);
      }
    } else {
      console.error("test: the local cluster stays up for the next run (deno task cluster down)");
    }
  }

  const passed = results.reduce((n, r) => n + r.passed, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  console.log(`${passed} passed, ${failed} failed`);
  return results.every((r) => r.success) ? 0 : 1;
}

/**
 * Starts or reuses the cluster and returns its admin kubeconfig. A node agent that does not come
 * up counts as one failure, but the integration tests still run: most need no running pods, and
 * their results say more than a single error.
 */
async function clusterForTests(stateDir: string, results: RunResult[]): Promise<string> {
  try {
    return (await ensureControlPlane({ stateDir })).adminKubeconfig;
  } catch (err) {
    if (!(err instanceof NodeAgentNotReadyError)) throw err;
    console.error(`test: FAILED: ${err.message}`);
    console.error("test: running the integration tests anyway, without a working node agent");
    results.push({ success: false, passed: 0, failed: 1 });
    const status = await controlPlaneStatus(stateDir);
    if (!status.adminKubeconfig) throw err;
    return status.adminKubeconfig;
  }
}

/**
 * Runs `deno test -A <dir>`, streaming its output, and reads the counts from deno's summary line
 * (`ok | 3 passed (2 steps) | 0 failed (1s)`). A run that fails without a summary (a type error,
 * a crash) counts as one failure so the totals never look green when the exit code is not.
 */
async function denoTest(
  dir: string,
  extraArgs: string[],
  env: Record<string, string>,
): Promise<RunResult> {
  if (!(await hasTestFiles(`${repoRoot}/${dir}`))) {
    console.error(`test: no test files in ${dir}`);
    return { success: true, passed: 0, failed: 0 };
  }
  console.error(`test: deno test -A ${dir}`);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", dir, ...extraArgs],
    cwd: repoRoot,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  let summary: { passed: number; failed: number } | undefined;
  let pending = "";
  const decoder = new TextDecoder();
  for await (const chunk of child.stdout) {
    await Deno.stdout.write(chunk);
    pending += decoder.decode(chunk, { stream: true });
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) summary = parseSummary(line) ?? summary;
  }
  summary = parseSummary(pending) ?? summary;
  const status = await child.status;
  if (!summary) return { success: false, passed: 0, failed: status.success ? 0 : 1 };
  return { success: status.success, ...summary };
}

/** Counts from one line of `deno test` output, if it is the summary line. */
export function parseSummary(line: string): { passed: number; failed: number } | undefined {
  // deno colours its output; strip escape sequences before matching.
  // deno-lint-ignore no-control-regex
  const plain = line.replace(/\x1b\[[0-9;]*m/g, "").trim();
  const match = /^(?:ok|FAILED) \| (\d+) passed(?: \([^)]*\))? \| (\d+) failed/.exec(plain);
  return match ? { passed: Number(match[1]), failed: Number(match[2]) } : undefined;
}

async function hasTestFiles(dir: string): Promise<boolean> {
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isDirectory && await hasTestFiles(`${dir}/${entry.name}`)) return true;
      if (entry.isFile && /(^|[._])test\.(ts|tsx|js|mjs)$/.test(entry.name)) return true;
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return false;
}

function isCi(): boolean {
  const ci = Deno.env.get("CI");
  return ci !== undefined && ci !== "" && ci !== "false" && ci !== "0";
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

if (import.meta.main) Deno.exit(await main(Deno.args));
