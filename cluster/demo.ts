/**
 * `deno task demo [--runtime sim|real]`, the README's main command: brings up the local cluster,
 * installs the CRDs, starts the operator against it, applies examples/basic-application.yaml
 * (simulated Flink) or, with `--runtime real`, examples/real-flink-application.yaml (real Flink
 * JVMs, assembled from Maven Central first) and shows the FlinkDeployment's status changing until
 * the job runs; then keeps going until Ctrl-C (the operator stops; the cluster and the resource
 * stay for kubectl).
 */
import { parse } from "yaml";
import { KubeClient } from "../lib/kube/client.ts";
import { type KubeObject, Resources } from "../lib/kube/resource.ts";
import { FlinkDeployments } from "../lib/flink/resources.ts";
import { ensureControlPlane } from "./controlplane.ts";
import { installCrds } from "./crd_install.ts";
import { ensureRealFlink } from "./flink-real/dist.ts";
import { RUNTIME_ENV, runtimesPreferring } from "./node_agent_launcher.ts";
import { sleep } from "../lib/runtime/backoff.ts";
import { type ArtifactServer, artifactSettings, startArtifactServer } from "./artifact_server.ts";
import { cacheRoot, repoRoot } from "./paths.ts";

const NAMESPACE = "flink-demo";
const EXAMPLES = {
  sim: `${repoRoot}/examples/basic-application.yaml`,
  real: `${repoRoot}/examples/real-flink-application.yaml`,
};
const FIELD_MANAGER = "flinkop-demo";

interface FdView extends KubeObject {
  status?: {
    lifecycleState?: string;
    jobManagerDeploymentStatus?: string;
    jobStatus?: { state?: string; jobId?: string };
    error?: string;
  };
}

async function main(args: string[]): Promise<number> {
  const runtime = runtimeArg(args);
  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)}s`;
  if (runtime === "real") {
    say("assembling real Flink from Maven Central if needed (about 45 s the first time)");
    await ensureRealFlink((m) => say(m));
  }
  // The node agent's default runtime; a running agent with another one is restarted.
  Deno.env.set(RUNTIME_ENV, runtimesPreferring(runtime));
  const EXAMPLE = EXAMPLES[runtime];
  const cluster = await ensureControlPlane();
  say(`cluster ready at ${cluster.server} (${elapsed()})`);
  const client = await KubeClient.connect({ kubeconfig: cluster.adminKubeconfig });
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  let operator: Deno.ChildProcess | undefined;
  let artifacts: ArtifactServer | undefined;
  try {
    const crds = await installCrds(client, `${repoRoot}/crds`);
    say(`installed CRDs: ${crds.join(", ")}`);
    await apply(client, Resources.namespaces, {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: NAMESPACE },
    });
    await apply(client, Resources.serviceAccounts, {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: "flink", namespace: NAMESPACE },
    });
    // The jar of examples/session-job.yaml, served here so the example works as written.
    artifacts = await startArtifactServer();
    operator = startOperator(
      cluster.adminKubeconfig,
      artifactSettings(`${cacheRoot()}/demo-artifacts`),
    );
    say(`operator started (pid ${operator.pid}); its log: ${operatorLog}`);
    const example = parse(await Deno.readTextFile(EXAMPLE)) as KubeObject;
    example.metadata.namespace = NAMESPACE;
    await apply(client, FlinkDeployments, example);
    const name = example.metadata.name!;
    say(`applied ${EXAMPLE.replace(`${repoRoot}/`, "")} as ${NAMESPACE}/${name}`);
    await watchDeployment(client, name, stop.signal, elapsed, () => {
      console.log([
        "",
        "The job is running. Point kubectl at the cluster with:",
        `  export KUBECONFIG=${cluster.adminKubeconfig}`,
        `  kubectl -n ${NAMESPACE} get flinkdep,deploy,pods`,
        `  kubectl -n ${NAMESPACE} patch flinkdep ${name} --type merge -p '{"spec":{"job":{"state":"suspended"}}}'`,
        "",
        ...(runtime === "sim"
          ? [
            `A session cluster and a session job (its jar served at ${artifacts!.url}):`,
            `  kubectl -n ${NAMESPACE} apply -f examples/session-cluster.yaml -f examples/session-job.yaml`,
            `  kubectl -n ${NAMESPACE} get flinkdep,sessionjob`,
            "",
          ]
          : []),
        "Watching for changes; Ctrl-C stops the demo and the operator (the cluster keeps",
        "running; `deno task cluster down` stops it).",
      ].join("\n"));
    }, () => operator!.status);
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
    if (operator) {
      try {
        operator.kill("SIGTERM");
      } catch {
        // already exited
      }
      await operator.status;
    }
    await artifacts?.close();
    client.close();
  }
  say("stopped; the cluster keeps running (`deno task cluster down` stops it)");
  return 0;
}

const operatorLog = `${Deno.env.get("TMPDIR") ?? "/tmp"}/flinkop-demo-operator.log`;

function runtimeArg(args: string[]): "sim" | "real" {
  const i = args.findIndex((a) => a === "--runtime" || a.startsWith("--runtime="));
  if (i < 0) return "sim";
  const value = args[i].includes("=") ? args[i].slice(args[i].indexOf("=") + 1) : args[i + 1];
  if (value === "sim" || value === "real") return value;
  throw new Error(`--runtime must be sim or real, not ${value ?? "nothing"}`);
}

function startOperator(kubeconfig: string, settings: Record<string, string>): Deno.ChildProcess {
  const log = Deno.openSync(operatorLog, { write: true, create: true, truncate: true });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `${repoRoot}/main.ts`,
      "run",
      "--kubeconfig",
      kubeconfig,
      "--watch-namespaces",
      NAMESPACE,
      "--log-format",
      "text",
      "--set",
      "kubernetes.operator.observer.progress-check.interval=1 s",
      "--set",
      "kubernetes.operator.observer.rest-ready.delay=1 s",
      "--set",
      "kubernetes.operator.health.probe.enabled=false",
      ...Object.entries(settings).flatMap(([key, value]) => ["--set", `${key}=${value}`]),
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  child.stdout.pipeTo(log.writable).catch(() => {});
  return child;
}

/** Prints one line whenever the resource's status changes, until the signal aborts. */
async function watchDeployment(
  client: KubeClient,
  name: string,
  signal: AbortSignal,
  elapsed: () => string,
  onRunning: () => void,
  operatorExited: () => Promise<Deno.CommandStatus>,
): Promise<void> {
  let exited = false;
  operatorExited().then(() => exited = true);
  let lastLine = "";
  let running = false;
  console.log(
    `${"time".padStart(7)}  ${"lifecycle".padEnd(10)} ${"jobmanager".padEnd(19)} ${
      "job".padEnd(12)
    } job id`,
  );
  while (!signal.aborted) {
    if (exited) throw new Error(`the operator exited; see ${operatorLog}`);
    const fd = await client.get<FdView>(FlinkDeployments, NAMESPACE, name);
    const st = fd?.status;
    const line = `${(st?.lifecycleState ?? "-").padEnd(10)} ${
      (st?.jobManagerDeploymentStatus ?? "-").padEnd(19)
    } ${(st?.jobStatus?.state ?? "-").padEnd(12)} ${st?.jobStatus?.jobId ?? "-"}${
      st?.error ? `  error: ${st.error.slice(0, 120)}` : ""
    }`;
    if (line !== lastLine) {
      console.log(`${elapsed().padStart(7)}  ${line}`);
      lastLine = line;
    }
    if (!running && st?.jobStatus?.state === "RUNNING" && st.lifecycleState === "STABLE") {
      running = true;
      onRunning();
    }
    await sleep(running ? 2000 : 300, signal);
  }
}

async function apply(client: KubeClient, type: typeof Resources.namespaces, obj: KubeObject) {
  await client.patch(type, obj.metadata.namespace, obj.metadata.name!, obj, "apply", {
    fieldManager: FIELD_MANAGER,
    force: true,
  });
}

function say(message: string): void {
  console.log(`demo: ${message}`);
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (err) {
    console.error(`demo: error: ${err instanceof Error ? err.message : err}`);
    Deno.exit(1);
  }
}
