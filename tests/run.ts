/**
 * `deno task test [--down] [deno test args...]`: unit tests, then integration tests against one
 * shared local cluster (started or reused here, left running afterwards for fast reruns unless
 * `--down` is given or CI is set). Extra arguments (e.g. `--filter watch`) go to both `deno test`
 * runs. The last line of output is always `N passed, N failed`.
 *
 * Two phases (docs/local-cluster.md, "Tests"):
 *
 * 1. `prepareWhileOnline()`, on the host network: everything that downloads or builds.
 * 2. The tests, inside the network namespace `flinkop-test` (`ip netns add`, needs root), where lo
 *    is up and the pod CIDR 10.244.0.0/16 is local: the node agent gives pods addresses from it,
 *    EndpointSlices list them and the API server proxies to them. The namespace has no other
 *    network, and the host's routes stay untouched. The runner re-executes itself there
 *    (`ip netns exec`). Where no namespace can be created the tests run on the host network with
 *    loopback pod addresses (one line says so, and tests that need pod addresses are ignored);
 *    under CI that is a failure instead.
 */
import {
  controlPlaneStatus,
  ensureControlPlane,
  NodeAgentNotReadyError,
  stopControlPlane,
} from "../cluster/controlplane.ts";
import { ensureBinaries } from "../cluster/binaries.ts";
import { ensureRealFlink } from "../cluster/flink-real/dist.ts";
import { ensureZooKeeper } from "../cluster/zookeeper/dist.ts";
import { ensureHelm } from "../cluster/tools/helm.ts";
import { ensurePrometheus } from "../cluster/tools/prometheus.ts";
import { readClusterState } from "../cluster/cluster_state.ts";
import { isRunning } from "../cluster/detached_process.ts";
import {
  DEFAULT_TEST_NETNS,
  deleteNetns,
  describeNetns,
  ensureNetns,
  inNetns,
  namedNetnsId,
  netnsOfPid,
  NetnsUnavailableError,
  TEST_POD_CIDR,
} from "../cluster/netns.ts";
import { cacheRoot, defaultStateDir } from "../cluster/paths.ts";
import { TEST_KUBECONFIG_ENV, TEST_STATE_DIR_ENV } from "./support/cluster.ts";
import { TEST_POD_CIDR_ENV } from "./support/pod_network.ts";

interface RunResult {
  success: boolean;
  passed: number;
  failed: number;
}

const repoRoot = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** The network namespace to run in; `off` runs on the host network. */
export const TEST_NETNS_ENV = "FLINKOP_TEST_NETNS";
/** Set on the re-executed runner: it is inside namespace <value> and skips phase 1. */
const INSIDE_NETNS_ENV = "FLINKOP_TEST_INSIDE_NETNS";
/** Failures of phase 1, handed to the re-executed runner so they count in its summary. */
const PRIOR_FAILURES_ENV = "FLINKOP_TEST_PRIOR_FAILURES";

const log = (message: string) => console.error(`test: ${message}`);

async function main(args: string[]): Promise<number> {
  const down = args.includes("--down") || isCi();
  const testArgs = args.filter((a) => a !== "--down");

  const inside = Deno.env.get(INSIDE_NETNS_ENV);
  if (inside) {
    const prior = Number(Deno.env.get(PRIOR_FAILURES_ENV) ?? 0) || 0;
    return await runTests(testArgs, { down, podCidr: TEST_POD_CIDR, priorFailures: prior });
  }

  const started = performance.now();
  const priorFailures = await prepareWhileOnline();
  log(`online preparation took ${((performance.now() - started) / 1000).toFixed(1)}s`);

  const network = await testNetwork();
  if (network.kind === "host") {
    if (isCi() && !network.optedOut) {
      log(
        `FAILED: CI runs the tests in a network namespace, and ${network.reason}. Run as root ` +
          `(or set ${TEST_NETNS_ENV}=off to accept the host network with loopback pod addresses)`,
      );
      console.log(`0 passed, ${priorFailures + 1} failed`);
      return 1;
    }
    log(
      `host network, loopback pod addresses (${network.reason}); tests that need pod ` +
        "addresses are ignored. Run as root for a network namespace with a pod network.",
    );
    return await runTests(testArgs, { down, podCidr: undefined, priorFailures });
  }

  log(`running in network namespace ${network.name} (pod CIDR ${TEST_POD_CIDR} local there only)`);
  const [command, ...commandArgs] = inNetns(network.name, [
    Deno.execPath(),
    "run",
    "-A",
    import.meta.filename!,
    ...args,
  ]);
  const child = new Deno.Command(command, {
    args: commandArgs,
    cwd: repoRoot,
    env: {
      [INSIDE_NETNS_ENV]: network.name,
      [PRIOR_FAILURES_ENV]: String(priorFailures),
      FLINKOP_STATE_DIR: network.stateDir,
      DENO_NO_UPDATE_CHECK: "1",
    },
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  const status = await child.status;
  if (down) {
    await deleteNetns(network.name).catch((err) => log(`could not delete: ${errorMessage(err)}`));
  }
  return status.success ? 0 : 1;
}

/**
 * Phase 1: everything the tests need from the network, done before they move into a namespace
 * that has none. Each step that downloads or builds belongs here; a failed step counts as one
 * failure and the run goes on (the unit tests may still run). Returns the number of failures.
 */
export async function prepareWhileOnline(): Promise<number> {
  let failures = 0;
  const step = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (err) {
      log(`FAILED to prepare ${what}: ${errorMessage(err)}`);
      failures++;
    }
  };
  await step("the control-plane binaries", () => ensureBinaries(log));
  await step("the Deno modules the tests import", cacheDenoModules);
  await step("real Flink from Maven Central", () => ensureRealFlink(log));
  await step("the ZooKeeper test server from Maven Central", () => ensureZooKeeper(log));
  await step("helm from the Go module proxy", () => ensureHelm(log));
  await step("Prometheus and promtool from Debian's package", () => ensurePrometheus(log));
  return failures;
}

/**
 * Downloads every module the test run loads: the test files and what they import, and the
 * programs they start (operator, cluster CLI, node agent, and the simulator it loads at run time).
 */
async function cacheDenoModules(): Promise<void> {
  const entries = [
    "main.ts",
    "mod.ts",
    "tests/",
    "cluster/cli.ts",
    "cluster/nodeagent/main.ts",
    "cluster/flink-sim/mod.ts",
    "cluster/flink-real/mod.ts",
  ];
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["cache", ...entries],
    cwd: repoRoot,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new Error(
      `deno cache ${entries.join(" ")} failed:\n${new TextDecoder().decode(output.stderr).trim()}`,
    );
  }
}

type TestNetwork =
  | { kind: "netns"; name: string; stateDir: string }
  | { kind: "host"; reason: string; optedOut: boolean };

/**
 * The namespace to run in, created and set up if needed, or why the host network is used. The
 * namespace's cluster gets its own state directory (`<cache>/cluster-<namespace>`, or
 * FLINKOP_STATE_DIR): the default one belongs to the host network's cluster (`deno task cluster`,
 * the demo).
 */
async function testNetwork(): Promise<TestNetwork> {
  const name = Deno.env.get(TEST_NETNS_ENV) || DEFAULT_TEST_NETNS;
  if (["off", "host", "none", "0", "false"].includes(name)) {
    return { kind: "host", reason: `${TEST_NETNS_ENV}=${name}`, optedOut: true };
  }
  if (Deno.uid() !== 0) {
    return {
      kind: "host",
      reason: `creating network namespace ${name} needs root, and this is uid ${Deno.uid()}`,
      optedOut: false,
    };
  }
  try {
    await ensureNetns(name, TEST_POD_CIDR);
  } catch (err) {
    if (!(err instanceof NetnsUnavailableError)) throw err;
    return { kind: "host", reason: err.message, optedOut: false };
  }
  const explicit = Deno.env.get("FLINKOP_STATE_DIR");
  const stateDir = explicit || `${cacheRoot()}/cluster-${name}`;
  if (!explicit) await stopIfElsewhere(stateDir, name);
  return { kind: "netns", name, stateDir };
}

/**
 * The namespace's own test cluster may outlive the namespace it was started in (someone deleted
 * and re-created it): unreachable from the new one, it only holds ports and memory. Stop it.
 */
async function stopIfElsewhere(stateDir: string, netns: string): Promise<void> {
  const state = await readClusterState(stateDir);
  const apiserver = state?.processes.apiserver;
  if (!apiserver || !isRunning(apiserver)) return;
  const theirs = netnsOfPid(apiserver.pid);
  if (theirs && theirs !== namedNetnsId(netns)) {
    log(`the test cluster in ${stateDir} runs in ${describeNetns(theirs)}; stopping it`);
    await stopControlPlane(stateDir);
  }
}

/** Phase 2: unit tests, the cluster, integration tests; prints the summary line. */
async function runTests(
  testArgs: string[],
  opts: { down: boolean; podCidr: string | undefined; priorFailures: number },
): Promise<number> {
  const results: RunResult[] = [];
  if (opts.priorFailures > 0) {
    results.push({ success: false, passed: 0, failed: opts.priorFailures });
  }

  results.push(await denoTest("tests/unit", testArgs, {}));

  const stateDir = defaultStateDir();
  try {
    const cluster = await clusterForTests(stateDir, opts.podCidr, results);
    results.push(
      await denoTest("tests/integration", testArgs, {
        [TEST_KUBECONFIG_ENV]: cluster.kubeconfig,
        [TEST_STATE_DIR_ENV]: stateDir,
        [TEST_POD_CIDR_ENV]: cluster.podCidr ?? "",
      }),
    );
  } catch (err) {
    log(`the local cluster did not come up: ${errorMessage(err)}`);
    results.push({ success: false, passed: 0, failed: 1 });
  } finally {
    if (opts.down) {
      try {
        await stopControlPlane(stateDir);
      } catch (err) {
        log(`could not stop the local cluster: ${errorMessage(err)}`);
      }
    } else {
      log(`the local cluster in ${stateDir} stays up for the next run (deno task cluster down)`);
    }
  }

  const passed = results.reduce((n, r) => n + r.passed, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  console.log(`${passed} passed, ${failed} failed`);
  return results.every((r) => r.success) ? 0 : 1;
}

/**
 * Starts or reuses the cluster and returns its admin kubeconfig and pod CIDR. A node agent that
 * does not come up counts as one failure, but the integration tests still run: most need no
 * running pods, and their results say more than a single error. `podCidr` undefined keeps the
 * running cluster's pod network (the host network's cluster may have either).
 */
async function clusterForTests(
  stateDir: string,
  podCidr: string | undefined,
  results: RunResult[],
): Promise<{ kubeconfig: string; podCidr?: string }> {
  try {
    const cluster = await ensureControlPlane({ stateDir, podCidr });
    return { kubeconfig: cluster.adminKubeconfig, podCidr: cluster.podCidr };
  } catch (err) {
    if (!(err instanceof NodeAgentNotReadyError)) throw err;
    log(`FAILED: ${err.message}`);
    log("running the integration tests anyway, without a working node agent");
    results.push({ success: false, passed: 0, failed: 1 });
    const status = await controlPlaneStatus(stateDir);
    if (!status.adminKubeconfig) throw err;
    return { kubeconfig: status.adminKubeconfig, podCidr: status.podCidr };
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
    log(`no test files in ${dir}`);
    return { success: true, passed: 0, failed: 0 };
  }
  log(`deno test -A ${dir}`);
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
