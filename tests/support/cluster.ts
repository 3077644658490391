/**
 * Helpers for integration tests against the real local control plane (cluster/controlplane.ts).
 *
 * `deno task test` starts (or reuses) one cluster for the whole run and passes its admin
 * kubeconfig in FLINKOP_TEST_KUBECONFIG. A single file run directly with
 * `deno test -A tests/integration/x.test.ts` has no such variable; then the first helper call runs
 * `deno task cluster up` as a subprocess (rather than in-process, so the detached cluster
 * processes are not children of the test process and the resource sanitizer stays quiet).
 *
 * Every KubeClient a helper hands out must be closed by the test (or is closed by the helper that
 * created it): its HttpClient is a resource, and Deno's sanitizer fails tests that leak one.
 */
import { KubeClient } from "../../lib/kube/client.ts";
import { type KubeObject, Resources } from "../../lib/kube/resource.ts";
import {
  FlinkDeployments,
  FlinkSessionJobs,
  FlinkStateSnapshots,
} from "../../lib/flink/resources.ts";
import { defaultStateDir } from "../../cluster/paths.ts";

export const TEST_KUBECONFIG_ENV = "FLINKOP_TEST_KUBECONFIG";

/** The cluster's state directory; unset means the default one `deno task cluster` uses. */
export const TEST_STATE_DIR_ENV = "FLINKOP_TEST_STATE_DIR";

/** Set to 1 to keep test namespaces after the test, for inspecting what a test left behind. */
export const KEEP_NAMESPACES_ENV = "FLINKOP_TEST_KEEP_NAMESPACES";

const repoRoot = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

let kubeconfigPath: Promise<string> | undefined;

/** The admin kubeconfig of the test cluster (started on first use if the runner did not). */
export function testKubeconfig(): Promise<string> {
  kubeconfigPath ??= resolveKubeconfig().catch((err) => {
    kubeconfigPath = undefined; // let a later test retry instead of caching the failure
    throw err;
  });
  return kubeconfigPath;
}

async function resolveKubeconfig(): Promise<string> {
  const fromEnv = Deno.env.get(TEST_KUBECONFIG_ENV);
  if (fromEnv) return fromEnv;
  const stdout = await clusterCli("up");
  const line = stdout.split("\n").find((l) => l.startsWith("KUBECONFIG="));
  if (!line) throw new Error("deno task cluster up printed no KUBECONFIG= line");
  const path = line.slice("KUBECONFIG=".length).trim();
  Deno.env.set(TEST_KUBECONFIG_ENV, path);
  return path;
}

/**
 * Stops kube-apiserver and starts it again on the same port (etcd keeps the data); resolves once
 * it answers /readyz again. Other test files share the cluster, so keep such tests short.
 */
export async function restartApiServer(): Promise<void> {
  await testKubeconfig();
  await clusterCli("restart-apiserver");
}

/** Runs cluster/cli.ts in a subprocess (see the module comment for why) and returns its stdout. */
async function clusterCli(command: string): Promise<string> {
  const stateDir = Deno.env.get(TEST_STATE_DIR_ENV);
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `${repoRoot}/cluster/cli.ts`,
      command,
      ...(stateDir ? ["--state-dir", stateDir] : []),
    ],
    cwd: repoRoot,
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!output.success) {
    throw new Error(
      `deno task cluster ${command} failed (exit ${output.code}); see its output above`,
    );
  }
  return new TextDecoder().decode(output.stdout);
}

/** The test cluster's state directory (kubeconfigs, pki/, logs/, cluster.json). */
export function testStateDir(): string {
  return Deno.env.get(TEST_STATE_DIR_ENV) ?? defaultStateDir();
}

/** A new admin KubeClient for the test cluster; close it when done. */
export async function testClient(): Promise<KubeClient> {
  return await KubeClient.connect({ kubeconfig: await testKubeconfig() });
}

/** Runs `fn` with an admin client and closes the client afterwards. */
export async function withTestClient<T>(fn: (client: KubeClient) => Promise<T>): Promise<T> {
  const client = await testClient();
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

/** A namespace that exists for one test; `await using` deletes it (and closes its client). */
export interface TestNamespace extends AsyncDisposable {
  name: string;
  /** Admin client; owned by the namespace unless one was passed to freshNamespace. */
  client: KubeClient;
}

/**
 * Creates a uniquely named namespace `<prefix>-<random>` and waits for its `default`
 * ServiceAccount, because the ServiceAccount admission plugin rejects pods until it exists.
 * Deletion on dispose does not wait for the namespace controller to finish.
 */
export async function freshNamespace(
  prefix = "test",
  opts: { client?: KubeClient } = {},
): Promise<TestNamespace> {
  const client = opts.client ?? await testClient();
  const ownsClient = !opts.client;
  const name = `${dnsLabel(prefix, 50)}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await client.create(Resources.namespaces, undefined, {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name, labels: { "flinkop.test/namespace": "true" } },
    });
    await waitFor(
      `ServiceAccount default in namespace ${name}`,
      () => client.get(Resources.serviceAccounts, name, "default"),
      { timeoutMs: 30_000, intervalMs: 100 },
    );
  } catch (err) {
    if (ownsClient) client.close();
    throw err;
  }
  return {
    name,
    client,
    async [Symbol.asyncDispose]() {
      try {
        if (Deno.env.get(KEEP_NAMESPACES_ENV) === "1") {
          console.error(`keeping test namespace ${name} (${KEEP_NAMESPACES_ENV}=1)`);
        } else {
          await releaseFinalizers(client, name);
          await client.delete(Resources.namespaces, undefined, name);
        }
      } finally {
        if (ownsClient) client.close();
      }
    },
  };
}

/**
 * Drops the operator's finalizers from the namespace's Flink resources: the test's operator has
 * stopped, so nothing would ever remove them, and the namespace would stay Terminating — with the
 * namespace controller retrying it, and loading the API server, for the rest of the run.
 */
async function releaseFinalizers(client: KubeClient, namespace: string): Promise<void> {
  for (const type of [FlinkDeployments, FlinkSessionJobs, FlinkStateSnapshots]) {
    let items: KubeObject[] = [];
    try {
      items = (await client.list<KubeObject>(type, namespace)).items;
    } catch {
      continue; // the CRD is not installed in this run
    }
    for (const obj of items) {
      if (!obj.metadata.finalizers?.length) continue;
      await client.patch(type, namespace, obj.metadata.name!, { metadata: { finalizers: null } })
        .catch(() => {});
    }
  }
}

/** Runs `fn` in a fresh namespace named after the test, deleted afterwards. */
export async function withNamespace<T>(
  t: Deno.TestContext,
  fn: (ns: TestNamespace) => Promise<T>,
): Promise<T> {
  await using ns = await freshNamespace(t.name);
  return await fn(ns);
}

type Truthy<T> = Exclude<T, false | 0 | "" | null | undefined>;

/**
 * Polls `fn` until it returns a truthy value and returns that value. Errors thrown by `fn` count
 * as "not yet". On timeout the error names what was awaited and the last value or error seen.
 */
export async function waitFor<T>(
  description: string,
  fn: () => T | Promise<T>,
  opts: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<Truthy<Awaited<T>>> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const intervalMs = opts.intervalMs ?? 250;
  const deadline = Date.now() + timeoutMs;
  let last = "no attempt finished";
  while (true) {
    try {
      const value = await fn();
      if (value) return value as Truthy<Awaited<T>>;
      last = `value ${describeValue(value)}`;
    } catch (err) {
      last = `error ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(intervalMs, deadline - Date.now()))
    );
  }
  throw new Error(
    `timed out after ${timeoutMs / 1000}s waiting for ${description}; last value/error: ${last}`,
  );
}

function describeValue(value: unknown): string {
  if (value === undefined) return "undefined";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 500 ? `${text.slice(0, 500)}...` : text;
}

/** Lower-case RFC 1123 label made from arbitrary text (e.g. a test name). */
function dnsLabel(text: string, maxLength: number): string {
  const label = text.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "")
    .slice(0, maxLength).replace(/-+$/, "");
  return label || "test";
}
