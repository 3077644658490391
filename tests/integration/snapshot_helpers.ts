/**
 * Helpers of the snapshot integration tests: building and reading FlinkStateSnapshots, mapping
 * Flink paths to the simulator's files on this host, and reading a JobManager's configuration.
 */
import { join } from "node:path";
import type { FlinkStateSnapshot } from "../../lib/api/flink_state_snapshot.ts";
import type { KubeClient } from "../../lib/kube/client.ts";
import { type KubeObject, Resources } from "../../lib/kube/resource.ts";
import { FlinkStateSnapshots } from "../../lib/flink/resources.ts";
import { testKubeconfig, testStateDir, waitFor } from "../support/cluster.ts";
import { jobManagerUrl } from "../support/flink.ts";

export type Snap = KubeObject & Pick<FlinkStateSnapshot, "spec"> & {
  status?: Partial<FlinkStateSnapshot["status"]>;
};

export function snapshotResource(
  namespace: string,
  name: string,
  spec: Record<string, unknown>,
): KubeObject {
  return {
    apiVersion: "flink.apache.org/v1beta1",
    kind: "FlinkStateSnapshot",
    metadata: { name, namespace },
    spec,
  };
}

export async function getSnapshot(
  client: KubeClient,
  ns: string,
  name: string,
): Promise<Snap | undefined> {
  return await client.get<Snap>(FlinkStateSnapshots, ns, name);
}

export async function listSnapshots(
  client: KubeClient,
  ns: string,
  labelSelector?: string,
): Promise<Snap[]> {
  return (await client.list<Snap>(FlinkStateSnapshots, ns, { labelSelector })).items;
}

export async function waitForSnapshot(
  client: KubeClient,
  ns: string,
  name: string,
  description: string,
  predicate: (s: Snap) => boolean,
  timeoutMs = 60_000,
): Promise<Snap> {
  return await waitFor(`snapshot ${name}: ${description}`, async () => {
    const s = await getSnapshot(client, ns, name);
    if (s && predicate(s)) return s;
    // Thrown so that a timeout reports what the snapshot looked like last.
    throw new Error(
      `status ${JSON.stringify(s?.status)}, labels ${JSON.stringify(s?.metadata.labels)}`,
    );
  }, { timeoutMs, intervalMs: 200 });
}

/**
 * Polls a snapshot until it reaches one of `final` states, returning every state seen on the
 * way (so tests can assert the transitions, not just the end).
 */
export async function snapshotStatesUntil(
  client: KubeClient,
  ns: string,
  name: string,
  final: string[],
  timeoutMs = 60_000,
): Promise<{ states: string[]; snapshot: Snap }> {
  const states: string[] = [];
  const snapshot = await waitFor(`snapshot ${name} to reach ${final.join("/")}`, async () => {
    const s = await getSnapshot(client, ns, name);
    const state = s?.status?.state;
    if (state && states.at(-1) !== state) states.push(state);
    // Done once the labels caught up with the status too (they are patched right after it).
    const labelled = s?.metadata.labels?.["snapshot.state"] === state;
    return s && state && final.includes(state) && labelled ? s : undefined;
  }, { timeoutMs, intervalMs: 100 });
  return { states, snapshot };
}

/**
 * Where the simulator keeps a `file:` path: the node agent's stand-in host filesystem,
 * `<cluster state dir>/nodeagent/host-fs/<path>`.
 */
export function hostPath(flinkPath: string): string {
  const path = flinkPath.replace(/^file:/, "").replace(/^\/+/, "");
  return join(testStateDir(), "nodeagent", "host-fs", path);
}

export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

/** The `_metadata` the simulator wrote for a savepoint or checkpoint. */
export async function snapshotMetadata(
  flinkPath: string,
): Promise<{ type: string; counter: number; format?: string; checkpointId: number }> {
  return JSON.parse(await Deno.readTextFile(join(hostPath(flinkPath), "_metadata")));
}

/** The running JobManager's effective configuration (`GET /jobmanager/config`). */
export async function jobManagerConfig(
  client: KubeClient,
  ns: string,
  name: string,
): Promise<Record<string, string>> {
  const url = await jobManagerUrl(client, ns, name);
  const res = await fetch(`${url}/v1/jobmanager/config`);
  const entries = await res.json() as { key: string; value: string }[];
  return Object.fromEntries(entries.map((e) => [e.key, e.value]));
}

/** The restore path the JobManager was started with, under either of Flink's keys. */
export function restorePathOf(config: Record<string, string>): string | undefined {
  return config["execution.savepoint.path"] ?? config["execution.state-recovery.path"];
}

/** Events recorded for a resource, with counts. */
export async function snapshotEvents(
  client: KubeClient,
  ns: string,
  name: string,
): Promise<{ reason: string; message: string; type: string; count: number }[]> {
  const list = await client.list(Resources.events, ns, {
    fieldSelector: `involvedObject.name=${name}`,
  });
  return (list.items as unknown as {
    reason: string;
    message: string;
    type: string;
    count?: number;
  }[])
    .map((e) => ({ ...e, count: e.count ?? 1 }));
}

/** Runs the installed kubectl against the test cluster; returns stdout. */
export async function kubectl(...args: string[]): Promise<string> {
  const output = await new Deno.Command("kubectl", {
    args: ["--kubeconfig", await testKubeconfig(), ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  if (!output.success) {
    throw new Error(`kubectl ${args.join(" ")} failed: ${text.decode(output.stderr)}`);
  }
  return text.decode(output.stdout);
}
