import { KubeClient } from "../lib/kube/client.ts";
import { Resources } from "../lib/kube/resource.ts";
import { type Binaries, ensureBinaries } from "./binaries.ts";
import {
  type ClusterState,
  type ComponentName,
  readClusterState,
  writeClusterState,
} from "./cluster_state.ts";
import {
  apiserverArgs,
  controllerManagerArgs,
  controllersFor,
  type ControlPlanePorts,
  etcdArgs,
} from "./component_flags.ts";
import {
  isRunning,
  type ProcessRecord,
  spawnDetached,
  stopProcess,
  tailFile,
} from "./detached_process.ts";
import { withFileLock } from "./file_lock.ts";
import { freeLoopbackPort } from "./free_port.ts";
import { writeKubeconfig } from "./kubeconfig.ts";
import { currentNetns, describeNetns, netnsOfPid } from "./netns.ts";
import {
  markNodeUnknown,
  nodeAgentExists,
  nodeAgentSourceHash,
  nodeReadyCondition,
  startNodeAgent,
  waitForNodeReady,
} from "./node_agent_launcher.ts";
import { applyNodeAgentRbac } from "./node_agent_rbac.ts";

export { NodeAgentNotReadyError } from "./node_agent_launcher.ts";
import { defaultStateDir } from "./paths.ts";
import {
  ADMIN_USER,
  CONTROLLER_MANAGER_USER,
  generatePki,
  nodeUser,
  type Pki,
  pkiLayout,
} from "./pki.ts";

/**
 * The local control plane: etcd, kube-apiserver and kube-controller-manager as detached loopback
 * processes, plus the node agent. One cluster per state directory, shared by the CLI, the demo
 * and the tests; whoever calls ensureControlPlane first starts it, later callers reuse it.
 */

export const NODE_NAME = "flinkop-node-0";

export interface ControlPlaneOptions {
  /** Defaults to `<cache root>/cluster` (see cluster/paths.ts). */
  stateDir?: string;
  /** Progress messages; defaults to stderr. */
  log?: (message: string) => void;
  /** How long to wait for the Node to become Ready after (re)starting the node agent. */
  nodeReadyTimeoutMs?: number;
  /**
   * Where pod addresses come from: an IPv4 CIDR that is local in this network namespace (`ip route
   * replace local <cidr> dev lo`, see cluster/netns.ts), or null for the node agent's loopback
   * pool. A running cluster on another pod network is replaced. Unset: a running cluster is kept
   * as it is, a new one uses FLINKOP_NODE_AGENT_POD_CIDR, else the loopback pool.
   */
  podCidr?: string | null;
}

export interface ControlPlane {
  stateDir: string;
  /** `https://127.0.0.1:<port>` */
  server: string;
  /** Kubeconfig of `flinkop-admin` (group system:masters). */
  adminKubeconfig: string;
  /** Kubeconfig of `system:node:flinkop-node-0`, bound to the flinkop:node-agent ClusterRole. */
  nodeAgentKubeconfig: string;
  /** The CA and key that sign client certificates (see issueClientCert in cluster/pki.ts). */
  pkiDir: string;
  nodeName: string;
  /** "absent" while cluster/nodeagent/main.ts does not exist: pods then stay Pending. */
  nodeAgent: "ready" | "absent";
  /** The pod CIDR; undefined when pods live on loopback addresses (127.1.x.y). */
  podCidr?: string;
  /** True when an already running control plane was reused. */
  reused: boolean;
}

export interface ComponentStatus {
  name: ComponentName;
  pid?: number;
  running: boolean;
  log?: string;
}

export interface ControlPlaneStatus {
  stateDir: string;
  /** False when nothing was ever started here (or it was torn down). */
  exists: boolean;
  server?: string;
  ports?: ControlPlanePorts;
  binDir?: string;
  adminKubeconfig?: string;
  apiserverReady: boolean;
  components: ComponentStatus[];
  nodeName: string;
  /** The Node's Ready condition status ("True", "False", "Unknown"), or why it is not known. */
  nodeReady: string;
  /** The pod CIDR; undefined for loopback pod addresses. */
  podCidr?: string;
  /** Set when the API server runs in another network namespace than this process. */
  foreignNetns?: string;
}

const defaultLog = (message: string) => console.error(`cluster: ${message}`);

const layout = (stateDir: string) => ({
  pki: `${stateDir}/pki`,
  logs: `${stateDir}/logs`,
  etcdData: `${stateDir}/etcd`,
  nodeAgentState: `${stateDir}/nodeagent`,
  adminKubeconfig: `${stateDir}/admin.kubeconfig`,
  controllerManagerKubeconfig: `${stateDir}/kube-controller-manager.kubeconfig`,
  nodeAgentKubeconfig: `${stateDir}/nodeagent.kubeconfig`,
});

/**
 * Starts the control plane, or reuses it when it is already running and healthy. Builds the
 * binaries first if needed (a cold build takes a long while). Restarts a dead controller manager
 * and a dead or stale node agent; starts over from an empty state directory when etcd or the
 * apiserver is gone or the binaries changed.
 */
export async function ensureControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const stateDir = opts.stateDir ?? defaultStateDir();
  const log = opts.log ?? defaultLog;
  await Deno.mkdir(parentOf(stateDir), { recursive: true });
  return await withFileLock(`${stateDir}.lock`, async () => {
    const binaries = await ensureBinaries(log);
    let state = await readClusterState(stateDir);
    if (state) assertSameNetns(stateDir, state);
    const reusable = state && await reusableReason(state, binaries, opts.podCidr);
    let reused = false;
    if (state && reusable === "ok") {
      reused = true;
    } else {
      if (state) {
        log(`existing cluster is not usable (${reusable}); starting a new one`);
        await stopAll(state);
      }
      const podCidr = opts.podCidr === undefined
        ? Deno.env.get("FLINKOP_NODE_AGENT_POD_CIDR") || undefined
        : opts.podCidr ?? undefined;
      state = await startFresh(stateDir, binaries, log, podCidr);
    }
    const client = await KubeClient.connect({ kubeconfig: state.adminKubeconfig });
    try {
      if (reused && !isRunning(state.processes.controllerManager)) {
        log("kube-controller-manager had exited; restarting it");
        await startControllerManager(stateDir, state, binaries, client, log);
      }
      const nodeAgent = await ensureNodeAgent(stateDir, state, client, log, opts);
      return {
        stateDir,
        server: state.server,
        adminKubeconfig: state.adminKubeconfig,
        nodeAgentKubeconfig: state.nodeAgentKubeconfig,
        pkiDir: layout(stateDir).pki,
        nodeName: state.nodeName,
        nodeAgent,
        podCidr: state.podCidr,
        reused,
      };
    } finally {
      client.close();
    }
  });
}

/** Stops every process the state directory records (node agent included) and removes it. */
export async function stopControlPlane(
  stateDir: string = defaultStateDir(),
  log: (message: string) => void = defaultLog,
): Promise<void> {
  await Deno.mkdir(parentOf(stateDir), { recursive: true });
  await withFileLock(`${stateDir}.lock`, async () => {
    const state = await readClusterState(stateDir);
    if (state) {
      log("stopping node agent, kube-controller-manager, kube-apiserver and etcd");
      await stopAll(state);
    }
    await Deno.remove(stateDir, { recursive: true }).catch((err) => {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    });
  });
}

/**
 * Stops kube-apiserver and starts it again on the same port with the same data, for tests of
 * what clients do across an apiserver restart (broken watches, refused connections).
 */
export async function restartApiserver(
  stateDir: string = defaultStateDir(),
  log: (message: string) => void = defaultLog,
): Promise<void> {
  await withFileLock(`${stateDir}.lock`, async () => {
    const state = await readClusterState(stateDir);
    if (!state) throw new Error(`no cluster in ${stateDir}; run: deno task cluster up`);
    assertSameNetns(stateDir, state);
    log("restarting kube-apiserver");
    await stopProcess(state.processes.apiserver, STOP_GRACE_MS.apiserver);
    const client = await KubeClient.connect({ kubeconfig: state.adminKubeconfig });
    try {
      await startApiserver(stateDir, state, `${state.binDir}/kube-apiserver`, client);
    } finally {
      client.close();
    }
  });
}

/** A snapshot for humans and scripts; never starts or stops anything. */
export async function controlPlaneStatus(
  stateDir: string = defaultStateDir(),
): Promise<ControlPlaneStatus> {
  const state = await readClusterState(stateDir);
  if (!state) {
    return {
      stateDir,
      exists: false,
      apiserverReady: false,
      components: [],
      nodeName: NODE_NAME,
      nodeReady: "no cluster",
    };
  }
  const components = (Object.keys(COMPONENT_LABELS) as ComponentName[]).map((name) => {
    const record = state.processes[name];
    return { name, pid: record?.pid, running: isRunning(record), log: record?.log };
  });
  let apiserverReady = false;
  let nodeReady = "unknown (apiserver not ready)";
  const foreignNetns = foreignNetnsOf(state);
  if (foreignNetns) {
    nodeReady = `unknown (the API server runs in ${foreignNetns})`;
  } else if (isRunning(state.processes.apiserver)) {
    const client = await KubeClient.connect({ kubeconfig: state.adminKubeconfig });
    try {
      apiserverReady = await isApiserverReady(client);
      if (apiserverReady) {
        const ready = await nodeReadyCondition(client, state.nodeName);
        nodeReady = ready ? ready.status : "no Node registered";
      }
    } catch (err) {
      nodeReady = `unknown (${err instanceof Error ? err.message : err})`;
    } finally {
      client.close();
    }
  }
  return {
    stateDir,
    exists: true,
    server: state.server,
    ports: state.ports,
    binDir: state.binDir,
    adminKubeconfig: state.adminKubeconfig,
    apiserverReady,
    components,
    nodeName: state.nodeName,
    nodeReady,
    podCidr: state.podCidr,
    foreignNetns,
  };
}

export const COMPONENT_LABELS: Record<ComponentName, string> = {
  etcd: "etcd",
  apiserver: "kube-apiserver",
  controllerManager: "kube-controller-manager",
  nodeAgent: "node agent",
};

/**
 * The network namespace of the recorded API server, described, when it is not this process's:
 * its loopback addresses (every port of the cluster) are then out of reach from here.
 */
function foreignNetnsOf(state: ClusterState): string | undefined {
  const apiserver = state.processes.apiserver;
  if (!apiserver || !isRunning(apiserver)) return undefined;
  const theirs = netnsOfPid(apiserver.pid);
  const ours = currentNetns();
  return theirs && ours && theirs !== ours ? describeNetns(theirs) : undefined;
}

/**
 * A running cluster in another network namespace is somebody's working cluster (e.g. the host's
 * while the tests run in their own namespace): never "repair" it by stopping it, say what to do.
 */
function assertSameNetns(stateDir: string, state: ClusterState): void {
  const theirs = foreignNetnsOf(state);
  if (!theirs) return;
  throw new Error(
    `the cluster in ${stateDir} runs in ${theirs}, not in this command's network namespace ` +
      `(${currentNetns()}), so its API server is out of reach from here. Run the command ` +
      "inside that namespace (ip netns exec <name> ...), pick another state directory " +
      `(--state-dir or FLINKOP_STATE_DIR), or stop that cluster: deno task cluster down ` +
      `--state-dir ${stateDir}`,
  );
}

/** "ok", or why the recorded cluster cannot be reused. */
async function reusableReason(
  state: ClusterState,
  binaries: Binaries,
  podCidr: string | null | undefined,
): Promise<string> {
  if (state.binDir !== binaries.dir) return "it runs other binaries";
  if (podCidr !== undefined && (podCidr ?? undefined) !== state.podCidr) {
    return `its pods live on ${state.podCidr ?? "loopback addresses"}, ` +
      `${podCidr ?? "loopback addresses"} was asked for`;
  }
  if (!isRunning(state.processes.etcd)) return "etcd is not running";
  if (!isRunning(state.processes.apiserver)) return "kube-apiserver is not running";
  const client = await KubeClient.connect({ kubeconfig: state.adminKubeconfig });
  try {
    // A live apiserver can be briefly unready (e.g. etcd compaction); give it a few seconds.
    for (let attempt = 0; attempt < 20; attempt++) {
      if (await isApiserverReady(client)) return "ok";
      await sleep(500);
    }
    return "kube-apiserver does not answer /readyz";
  } finally {
    client.close();
  }
}

async function isApiserverReady(client: KubeClient): Promise<boolean> {
  try {
    const res = await client.fetch("GET", "/readyz", { timeoutMs: 3000, accept: "text/plain" });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

async function startFresh(
  stateDir: string,
  binaries: Binaries,
  log: (message: string) => void,
  podCidr: string | undefined,
): Promise<ClusterState> {
  const paths = layout(stateDir);
  await Deno.remove(stateDir, { recursive: true }).catch((err) => {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  });
  await Deno.mkdir(paths.logs, { recursive: true });
  log(`starting a new cluster in ${stateDir}`);
  const pki = await generatePki(paths.pki, NODE_NAME);

  const used = new Set<number>();
  const pick = () => {
    const port = freeLoopbackPort(used);
    used.add(port);
    return port;
  };
  const ports = { etcdClient: pick(), etcdPeer: pick(), apiserver: pick() };
  const server = `https://127.0.0.1:${ports.apiserver}`;
  await writeKubeconfigs(paths, server, pki);
  const state: ClusterState = {
    version: 1,
    binDir: binaries.dir,
    nodeName: NODE_NAME,
    ports,
    server,
    adminKubeconfig: paths.adminKubeconfig,
    nodeAgentKubeconfig: paths.nodeAgentKubeconfig,
    podCidr,
    processes: {},
  };
  await writeClusterState(stateDir, state);

  log(`starting etcd on 127.0.0.1:${ports.etcdClient}`);
  state.processes.etcd = spawnDetached(
    binaries.etcd,
    etcdArgs({ dataDir: paths.etcdData, ports }),
    { log: `${paths.logs}/etcd.log` },
  );
  await writeClusterState(stateDir, state);
  await waitForComponent("etcd to be healthy", state.processes.etcd, 30_000, async () => {
    const res = await fetch(`http://127.0.0.1:${ports.etcdClient}/health`, {
      signal: AbortSignal.timeout(2000),
    });
    const body = await res.json() as { health?: string };
    return body.health === "true";
  });

  log(`starting kube-apiserver on ${server}`);
  const client = await KubeClient.connect({ kubeconfig: paths.adminKubeconfig });
  try {
    await startApiserver(stateDir, state, binaries.apiserver, client);
    await applyNodeAgentRbac(client, NODE_NAME);
    await startControllerManager(stateDir, state, binaries, client, log);
  } finally {
    client.close();
  }
  return state;
}

async function startApiserver(
  stateDir: string,
  state: ClusterState,
  binary: string,
  client: KubeClient,
): Promise<void> {
  const paths = layout(stateDir);
  state.processes.apiserver = spawnDetached(
    binary,
    apiserverArgs({ pki: pkiLayout(paths.pki), ports: state.ports }),
    { log: `${paths.logs}/kube-apiserver.log` },
  );
  await writeClusterState(stateDir, state);
  await waitForComponent(
    "kube-apiserver /readyz",
    state.processes.apiserver,
    90_000,
    () => isApiserverReady(client),
  );
}

async function writeKubeconfigs(
  paths: ReturnType<typeof layout>,
  server: string,
  pki: Pki,
): Promise<void> {
  const caCertFile = pki.ca.cert;
  await writeKubeconfig(paths.adminKubeconfig, {
    server,
    caCertFile,
    client: pki.admin,
    user: ADMIN_USER,
  });
  await writeKubeconfig(paths.controllerManagerKubeconfig, {
    server,
    caCertFile,
    client: pki.controllerManager,
    user: CONTROLLER_MANAGER_USER,
  });
  await writeKubeconfig(paths.nodeAgentKubeconfig, {
    server,
    caCertFile,
    client: pki.nodeAgent,
    user: nodeUser(NODE_NAME),
  });
}

async function startControllerManager(
  stateDir: string,
  state: ClusterState,
  binaries: Binaries,
  client: KubeClient,
  log: (message: string) => void,
): Promise<void> {
  const paths = layout(stateDir);
  log("starting kube-controller-manager");
  state.processes.controllerManager = spawnDetached(
    binaries.controllerManager,
    controllerManagerArgs({
      pki: pkiLayout(paths.pki),
      kubeconfig: paths.controllerManagerKubeconfig,
      controllers: controllersFor(state.podCidr),
    }),
    { log: `${paths.logs}/kube-controller-manager.log` },
  );
  await writeClusterState(stateDir, state);
  // The serviceaccount controller creating `default` proves the controller manager is connected,
  // authorised and running its controllers.
  await waitForComponent(
    "the default ServiceAccount (created by kube-controller-manager)",
    state.processes.controllerManager,
    60_000,
    async () => !!(await client.get(Resources.serviceAccounts, "default", "default")),
  );
}

async function ensureNodeAgent(
  stateDir: string,
  state: ClusterState,
  client: KubeClient,
  log: (message: string) => void,
  opts: ControlPlaneOptions,
): Promise<"ready" | "absent"> {
  const current = state.processes.nodeAgent;
  if (!(await nodeAgentExists())) {
    if (current) {
      await stopProcess(current, STOP_GRACE_MS.nodeAgent);
      delete state.processes.nodeAgent;
      await writeClusterState(stateDir, state);
    }
    log(
      "warning: cluster/nodeagent/main.ts does not exist yet: no node agent, so pods will " +
        "stay Pending",
    );
    return "absent";
  }
  const timeoutMs = opts.nodeReadyTimeoutMs ?? 90_000;
  const sourceHash = await nodeAgentSourceHash();
  if (current && isRunning(current) && current.sourceHash === sourceHash) {
    await waitForNodeReady(client, state.nodeName, current, timeoutMs);
    return "ready";
  }
  if (current && isRunning(current)) {
    log("node agent sources changed since it started; restarting it");
    await stopProcess(current, STOP_GRACE_MS.nodeAgent);
  } else if (current) {
    log(`node agent (pid ${current.pid}) had exited; restarting it. Its last log lines:`);
    log(await tailFile(current.log, 10));
  }
  await markNodeUnknown(client, state.nodeName);
  const paths = layout(stateDir);
  await Deno.mkdir(paths.nodeAgentState, { recursive: true });
  log(`starting node agent for Node ${state.nodeName}`);
  const record = startNodeAgent({
    kubeconfig: paths.nodeAgentKubeconfig,
    stateDir: paths.nodeAgentState,
    nodeName: state.nodeName,
    log: `${paths.logs}/nodeagent.log`,
    podCidr: state.podCidr,
  });
  state.processes.nodeAgent = { ...record, sourceHash };
  await writeClusterState(stateDir, state);
  await waitForNodeReady(client, state.nodeName, record, timeoutMs);
  return "ready";
}

/**
 * How long each component gets between SIGTERM and SIGKILL. The node agent needs time to stop
 * its containers. kube-apiserver stops listening at once but then waits up to a minute for open
 * watches to drain; nothing is lost by cutting that short in a test cluster.
 */
const STOP_GRACE_MS: Record<ComponentName, number> = {
  nodeAgent: 10_000,
  controllerManager: 3_000,
  apiserver: 2_000,
  etcd: 5_000,
};

/** Stops in dependency order: clients of the apiserver first, etcd last. */
async function stopAll(state: ClusterState): Promise<void> {
  for (const name of ["nodeAgent", "controllerManager", "apiserver", "etcd"] as const) {
    await stopProcess(state.processes[name], STOP_GRACE_MS[name]);
  }
}

/**
 * Polls `probe` until it returns true. Fails at once, with the tail of the component's log, if
 * the process exits meanwhile, so a bad flag shows its error instead of a bare timeout.
 */
async function waitForComponent(
  what: string,
  record: ProcessRecord,
  timeoutMs: number,
  probe: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = "";
  while (Date.now() < deadline) {
    if (!isRunning(record)) {
      throw new Error(
        `${componentOf(record)} (pid ${record.pid}) exited while waiting for ${what}; ` +
          `last lines of ${record.log}:\n${await tailFile(record.log)}`,
      );
    }
    try {
      if (await probe()) return;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    await sleep(200);
  }
  throw new Error(
    `timed out after ${timeoutMs / 1000}s waiting for ${what}` +
      (lastError ? ` (last error: ${lastError})` : "") +
      `; last lines of ${record.log}:\n${await tailFile(record.log)}`,
  );
}

function componentOf(record: ProcessRecord): string {
  return record.commandMatch.split("/").at(-1) ?? record.commandMatch;
}

function parentOf(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  const i = trimmed.lastIndexOf("/");
  return i > 0 ? trimmed.slice(0, i) : "/";
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
