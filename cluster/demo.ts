/**
 * `deno task demo`: brings up the local cluster, deploys a Flink JobManager and shows it coming
 * up, until its REST API answers; then keeps watching until Ctrl-C (the cluster stays up).
 *
 * The workload is pluggable (cluster/demo_workload.ts): once the operator's FlinkDeployment
 * controller exists, swap plainJobManagerWorkload for one that applies a FlinkDeployment and
 * starts the operator, and keep this progress view.
 */
import { KubeClient } from "../lib/kube/client.ts";
import { type KubeObject, Resources } from "../lib/kube/resource.ts";
import { ensureControlPlane } from "./controlplane.ts";
import { installCrds } from "./crd_install.ts";
import { type DemoWorkload, plainJobManagerWorkload } from "./demo_workload.ts";
import { repoRoot } from "./paths.ts";

const NAMESPACE = "flink-demo";

interface PodView extends KubeObject {
  status?: {
    phase?: string;
    podIP?: string;
    containerStatuses?: {
      restartCount?: number;
      state?: { waiting?: { reason?: string }; terminated?: { reason?: string } };
    }[];
  };
}

interface FlinkOverview {
  "flink-version"?: string;
  taskmanagers?: number;
  "slots-total"?: number;
  "jobs-running"?: number;
}

async function main(): Promise<number> {
  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)}s`;
  const cluster = await ensureControlPlane();
  say(`cluster ready at ${cluster.server} (${elapsed()})`);
  if (cluster.nodeAgent === "absent") {
    say("no node agent yet (cluster/nodeagent/main.ts is missing): pods will stay Pending");
  }

  const client = await KubeClient.connect({ kubeconfig: cluster.adminKubeconfig });
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  try {
    const crds = await installCrds(client, `${repoRoot}/crds`);
    if (crds.length > 0) say(`installed CRDs: ${crds.join(", ")}`);
    await ensureNamespace(client, NAMESPACE);
    const workload = plainJobManagerWorkload(NAMESPACE);
    await workload.apply(client);
    say(`namespace ${NAMESPACE}: ${workload.description}`);
    await watchJobManager(client, workload, stop.signal, elapsed, () => {
      console.log(
        [
          "",
          "The JobManager answers. Point kubectl at the cluster with:",
          `  export KUBECONFIG=${cluster.adminKubeconfig}`,
          `  kubectl -n ${NAMESPACE} get deploy,pods -o wide`,
          "",
          "Watching for changes; Ctrl-C stops the demo (the cluster keeps running;",
          "`deno task cluster down` stops it).",
        ].join("\n"),
      );
    });
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
    client.close();
  }
  say("stopped; the cluster keeps running (`deno task cluster down` stops it)");
  return 0;
}

/**
 * Prints one line whenever what a user would care about changes: the JobManager pod, its phase
 * and IP, and the answer of its REST `/overview`. Runs until `signal` aborts.
 */
async function watchJobManager(
  client: KubeClient,
  workload: DemoWorkload,
  signal: AbortSignal,
  elapsed: () => string,
  onFirstAnswer: () => void,
): Promise<void> {
  let lastLine = "";
  let answered = false;
  console.log(
    `${"time".padStart(7)}  ${"pod".padEnd(44)} ${"phase".padEnd(22)} ${"ip".padEnd(12)} rest`,
  );
  while (!signal.aborted) {
    let line: string;
    let ok = false;
    try {
      const pods = await client.list<PodView>(Resources.pods, workload.namespace, {
        labelSelector: workload.jobManagerSelector,
      });
      const pod = newestLivePod(pods.items);
      if (!pod) {
        line = `${"(no JobManager pod yet)".padEnd(44)}`;
      } else {
        const ip = pod.status?.podIP;
        const rest = ip ? await restOverview(ip, workload.restPort) : { text: "-", ok: false };
        ok = rest.ok;
        line = `${(pod.metadata.name ?? "").padEnd(44)} ${describePhase(pod).padEnd(22)} ` +
          `${(ip ?? "-").padEnd(12)} ${rest.text}`;
      }
    } catch (err) {
      line = `cannot list pods: ${err instanceof Error ? err.message : err}`;
    }
    if (line !== lastLine) {
      console.log(`${elapsed().padStart(7)}  ${line}`.trimEnd());
      lastLine = line;
    }
    if (ok && !answered) {
      answered = true;
      onFirstAnswer();
    }
    await sleep(answered ? 2000 : 1000, signal);
  }
}

function newestLivePod(pods: PodView[]): PodView | undefined {
  return pods
    .filter((p) => !p.metadata.deletionTimestamp)
    .sort((a, b) =>
      (b.metadata.creationTimestamp ?? "").localeCompare(a.metadata.creationTimestamp ?? "")
    )[0];
}

function describePhase(pod: PodView): string {
  const phase = pod.status?.phase ?? "Unknown";
  const container = pod.status?.containerStatuses?.[0];
  const reason = container?.state?.waiting?.reason ?? container?.state?.terminated?.reason;
  const restarts = container?.restartCount ? ` x${container.restartCount}` : "";
  return `${phase}${reason ? ` (${reason})` : ""}${restarts}`;
}

async function restOverview(ip: string, port: number): Promise<{ text: string; ok: boolean }> {
  try {
    const res = await fetch(`http://${ip}:${port}/overview`, { signal: AbortSignal.timeout(1500) });
    if (!res.ok) {
      await res.body?.cancel();
      return { text: `HTTP ${res.status}`, ok: false };
    }
    const o = await res.json() as FlinkOverview;
    return {
      text: `200 Flink ${o["flink-version"] ?? "?"}, ${o.taskmanagers ?? 0} TMs, ` +
        `${o["slots-total"] ?? 0} slots, ${o["jobs-running"] ?? 0} jobs running`,
      ok: true,
    };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/refused/i.test(message)) return { text: "connection refused", ok: false };
    if (err instanceof DOMException && err.name === "TimeoutError") {
      return { text: "no answer within 1.5s", ok: false };
    }
    return { text: message.slice(0, 60), ok: false };
  }
}

async function ensureNamespace(client: KubeClient, name: string): Promise<void> {
  await client.patch(
    Resources.namespaces,
    undefined,
    name,
    {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name },
    },
    "apply",
    { fieldManager: "flinkop-demo", force: true },
  );
}

function say(message: string): void {
  console.log(`demo: ${message}`);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}

if (import.meta.main) {
  try {
    Deno.exit(await main());
  } catch (err) {
    console.error(`demo: error: ${err instanceof Error ? err.message : err}`);
    Deno.exit(1);
  }
}
