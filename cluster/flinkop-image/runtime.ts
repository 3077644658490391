/**
 * The node agent's runtime for the operator's own image (`flinkop`, `<registry>/…/flinkop:<tag>`),
 * so that the Helm chart's real Deployment, ServiceAccount, RBAC and ConfigMap are what runs the
 * operator on the local cluster. A container of that image runs what the image would run — its
 * entrypoint `/flinkop` with the container's args — as
 *
 *   deno run --no-prompt <the compile task's permission flags> <checkout>/main.ts <args>
 *
 * i.e. this checkout's code under exactly the permissions the compiled binary has (deno.json's
 * `compile` task), in a mount namespace of its own whose root holds the host's system directories
 * (read-only), the Deno executable, the checkout and the Deno module cache at their host paths, and
 * the pod's volume mounts at their container paths: the ConfigMap at /opt/flinkop/conf, the
 * emptyDirs, and the service-account volume. Unlike the placeholder token the node agent writes
 * for other pods, this runtime puts a real token there (a TokenRequest bound to the pod, as kubelet
 * does), so the operator authenticates as the chart's ServiceAccount and RBAC is enforced.
 * KUBERNETES_SERVICE_HOST/PORT name the API server's address (there is no kube-proxy to route the
 * `kubernetes` Service's ClusterIP). The process shares the node's network, as every container
 * here does: it reaches pod IPs, and its probe port answers on the pod's address.
 *
 * Not honoured (as for the real Flink runtime): runAsUser/runAsGroup (the process runs as the
 * agent's user), readOnlyRootFilesystem, resource limits. Needs root for the mount namespace.
 */
import type {
  ContainerExit,
  ContainerRuntime,
  ContainerSpec,
  RunningContainer,
} from "../nodeagent/runtime.ts";
import {
  hostSystemLinks,
  quote,
  type RootMount,
  rootScript,
  SYSTEM_DIRS,
} from "../flink-real/container_root.ts";
import { type ProcessPlan, RealProcess } from "../flink-real/process.ts";
import { ProcessExit } from "../flink-sim/process_exit.ts";
import { repoRoot } from "../paths.ts";
import { Resources } from "../../lib/kube/resource.ts";

/** The repository name (last path segment) of the operator image. */
export const OPERATOR_IMAGE_NAME = "flinkop";
/** The image's entrypoint (Dockerfile: ENTRYPOINT ["/flinkop"]). */
export const OPERATOR_ENTRYPOINT = "/flinkop";
const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/** Marks this runtime's processes (in their environment) so a new agent can stop orphans. */
const NODE_MARKER_ENV = "FLINKOP_IMAGE_RUNTIME_NODE";
/** kubelet's default lifetime of a projected token; the API server extends it for such tokens. */
const DEFAULT_TOKEN_SECONDS = 3607;

/** Whether `image` is the operator image: `flinkop`, `flinkop:0.1.0`, `ghcr.io/x/flinkop@sha…`. */
export function isOperatorImage(image: string): boolean {
  const withoutDigest = image.split("@")[0];
  const lastSegment = withoutDigest.split("/").pop() ?? "";
  return lastSegment.split(":")[0] === OPERATOR_IMAGE_NAME;
}

/** A start that the node agent reports as StartError (exit 128) with this message. */
export class OperatorImageStartError extends Error {
  override name = "OperatorImageStartError";
}

/**
 * The operator's argv for a container: the image's entrypoint runs the args; a command may name
 * the entrypoint itself (`/flinkop`, `flinkop`) but nothing else exists in the image.
 */
export function operatorArgv(command: string[], args: string[]): string[] {
  if (command.length === 0) return args;
  const [program, ...rest] = command;
  if (program === OPERATOR_ENTRYPOINT || program === OPERATOR_IMAGE_NAME) return [...rest, ...args];
  throw new OperatorImageStartError(
    `the flinkop image holds only its entrypoint ${OPERATOR_ENTRYPOINT}; command ` +
      `${JSON.stringify(command)} does not exist in it (leave command unset and put the ` +
      `operator's arguments in args, e.g. ["run", "--config-dir", "/opt/flinkop/conf"])`,
  );
}

/**
 * The permission flags `deno compile` bakes into dist/flinkop (deno.json's `compile` task), plus
 * its --no-code-cache: the operator runs here with exactly what the binary may do.
 */
export async function compileFlags(): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(`${repoRoot}/deno.json`));
  const task = String(config.tasks?.compile ?? "");
  const words = task.split(/\s+/);
  const flags = words.filter((w) => /^--(allow|deny)-/.test(w) || w === "--no-code-cache");
  if (!flags.some((f) => f.startsWith("--allow-")) || words.includes("-A")) {
    throw new OperatorImageStartError(
      `deno.json's compile task has no explicit permission flags to run the operator with: ${task}`,
    );
  }
  return flags;
}

/** The Deno module cache the agent's Deno uses (where `deno cache` put the operator's modules). */
export function denoDir(
  env: (name: string) => string | undefined = (n) => Deno.env.get(n),
): string {
  const explicit = env("DENO_DIR");
  if (explicit) return explicit;
  const xdg = env("XDG_CACHE_HOME");
  if (xdg) return `${xdg}/deno`;
  return `${env("HOME") ?? "/root"}/.cache/deno`;
}

interface ServiceAccountProjection {
  mountPath: string;
  volume: string;
  path: string;
  audience?: string;
  expirationSeconds?: number;
}

interface PodForTokens {
  metadata: { name?: string; uid?: string };
  spec?: {
    serviceAccountName?: string;
    volumes?: {
      name: string;
      projected?: {
        sources?: {
          serviceAccountToken?: { path: string; audience?: string; expirationSeconds?: number };
        }[];
      };
    }[];
    containers?: { name: string; volumeMounts?: { name: string; mountPath: string }[] }[];
  };
}

/** The container's mounts of projected volumes that carry a service-account token. */
export function tokenProjections(pod: PodForTokens, container: string): ServiceAccountProjection[] {
  const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  const found: ServiceAccountProjection[] = [];
  const mounts = pod.spec?.containers?.find((c) => c.name === container)?.volumeMounts ?? [];
  for (const mount of mounts) {
    for (const source of volumes.get(mount.name)?.projected?.sources ?? []) {
      const token = source.serviceAccountToken;
      if (!token) continue;
      found.push({
        mountPath: mount.mountPath,
        volume: mount.name,
        path: token.path,
        audience: token.audience,
        expirationSeconds: token.expirationSeconds,
      });
    }
  }
  return found;
}

export class OperatorImageRuntime implements ContainerRuntime {
  readonly name = "flinkop";
  #orphansKilled: Promise<void> | undefined;

  private constructor(private readonly systemLinks: Record<string, string | undefined>) {}

  static async create(): Promise<OperatorImageRuntime> {
    const out = await new Deno.Command("unshare", {
      args: ["--mount", "--propagation", "private", "--", "true"],
      stdout: "null",
      stderr: "piped",
    }).output().catch((err) => ({ success: false, stderr: new TextEncoder().encode(`${err}`) }));
    if (!out.success) {
      throw new Error(
        "the flinkop runtime runs the operator in a mount namespace of its own, which needs root " +
          `(unshare --mount failed: ${new TextDecoder().decode(out.stderr).trim()}); run the ` +
          "cluster as root to run the operator image in a pod",
      );
    }
    return new OperatorImageRuntime(await hostSystemLinks());
  }

  accepts(image: string): boolean {
    return isOperatorImage(image);
  }

  /** `flinkop` starts with "flink": without this the simulator would take the image. */
  claims(image: string): boolean {
    return isOperatorImage(image);
  }

  async start(spec: ContainerSpec): Promise<RunningContainer> {
    this.#orphansKilled ??= killOrphans(spec.sharedFsRoot).then((n) => {
      if (n > 0) spec.log(`killed ${n} operator process(es) of an earlier node agent`);
    });
    await this.#orphansKilled;
    const argv = operatorArgv(spec.command, spec.args);
    if (argv.length === 0 || argv[0] === "help") return exitedAtOnce(0);
    const flags = await compileFlags();
    const server = new URL(spec.kube.server);
    const mounts = { ...spec.mounts };
    const refreshers = await this.#realTokens(spec, mounts);

    const root = `${spec.scratchDir}/root`;
    const tmpDir = `${spec.scratchDir}/tmp-${crypto.randomUUID().slice(0, 8)}`;
    await Deno.mkdir(root, { recursive: true });
    await Deno.mkdir(tmpDir, { recursive: true, mode: 0o1777 });
    const deno = Deno.execPath();
    const cache = denoDir();
    const rootMounts: RootMount[] = [];
    for (const dir of SYSTEM_DIRS) {
      const link = this.systemLinks[dir];
      if (link === undefined) continue;
      rootMounts.push(
        link ? { kind: "symlink", target: `/${dir}`, to: link } : bind(`/${dir}`, `/${dir}`, true),
      );
    }
    rootMounts.push(
      bind("/dev", "/dev", false),
      bind("/proc", "/proc", false),
      bind("/sys", "/sys", true),
      bind(deno, deno, true, true),
      bind(repoRoot, repoRoot, true),
      bind(cache, cache, false),
    );
    if (!Object.keys(mounts).some((p) => normalize(p) === "/tmp")) {
      rootMounts.push(bind(tmpDir, "/tmp", false));
    }
    const podMounts = Object.entries(mounts)
      .map(([target, source]) => ({ target: normalize(target), source }))
      .sort((a, b) => depth(a.target) - depth(b.target) || a.target.localeCompare(b.target));
    for (const { target, source } of podMounts) {
      const file = (await Deno.stat(source).catch(() => undefined))?.isFile ?? false;
      rootMounts.push(bind(source, target, false, file));
    }

    const outputFile = spec.logFile ?? `${spec.scratchDir}/output.log`;
    await Deno.mkdir(outputFile.slice(0, outputFile.lastIndexOf("/")), { recursive: true });
    const command = [deno, "run", "--no-prompt", ...flags, `${repoRoot}/main.ts`, ...argv];
    spec.log(`starting the operator: ${command.map(quote).join(" ")}`);
    const plan: ProcessPlan = {
      program: "unshare",
      args: [
        "--mount",
        "--propagation",
        "private",
        "--",
        "/bin/sh",
        "-c",
        rootScript(root, rootMounts, outputFile, "/"),
        "flinkop-container",
        ...command,
      ],
      env: {
        PATH,
        HOSTNAME: spec.podName,
        ...spec.env,
        KUBERNETES_SERVICE_HOST: server.hostname,
        KUBERNETES_SERVICE_PORT: server.port || "443",
        DENO_DIR: cache,
        DENO_NO_UPDATE_CHECK: "1",
        NO_COLOR: "1",
        [NODE_MARKER_ENV]: spec.sharedFsRoot,
      },
      outputFile,
      cleanup: async () => {
        for (const stop of refreshers) stop();
        await Deno.remove(tmpDir, { recursive: true }).catch(() => {});
      },
      log: spec.log,
    };
    try {
      return RealProcess.start(plan);
    } catch (err) {
      await plan.cleanup();
      throw err;
    }
  }

  /**
   * Replaces each service-account volume's placeholder token by a real one, in a copy of the
   * volume (the agent's own files stay as they are); refreshed at 80 % of its lifetime as kubelet
   * does. Returns the refresh timers' stop functions.
   */
  async #realTokens(spec: ContainerSpec, mounts: Record<string, string>): Promise<(() => void)[]> {
    const pod = await spec.kube.get(Resources.pods, spec.namespace, spec.podName) as
      | PodForTokens
      | undefined;
    if (!pod || pod.metadata.uid !== spec.podUid) {
      throw new OperatorImageStartError(`pod ${spec.namespace}/${spec.podName} is gone`);
    }
    const account = pod.spec?.serviceAccountName || "default";
    const stops: (() => void)[] = [];
    for (const projection of tokenProjections(pod, spec.containerName)) {
      const source = mounts[projection.mountPath];
      if (!source) continue;
      const copy = `${spec.scratchDir}/sa-${projection.volume}`;
      await Deno.remove(copy, { recursive: true }).catch(() => {});
      await copyDir(source, copy);
      const seconds = projection.expirationSeconds ?? DEFAULT_TOKEN_SECONDS;
      const write = async () => {
        const token = await requestToken(spec, account, pod.metadata.uid!, projection, seconds);
        const file = `${copy}/${projection.path}`;
        await Deno.writeTextFile(`${file}.new`, token, { mode: 0o644 });
        await Deno.rename(`${file}.new`, file);
      };
      await write();
      const timer = setInterval(() => {
        write().catch((err) => spec.log(`refreshing the service-account token failed: ${err}`));
      }, seconds * 800);
      stops.push(() => clearInterval(timer));
      mounts[projection.mountPath] = copy;
    }
    return stops;
  }
}

async function requestToken(
  spec: ContainerSpec,
  account: string,
  podUid: string,
  projection: ServiceAccountProjection,
  seconds: number,
): Promise<string> {
  const review = await spec.kube.request<{ status: { token: string } }>(
    "POST",
    `/api/v1/namespaces/${spec.namespace}/serviceaccounts/${account}/token`,
    {
      body: {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        spec: {
          audiences: projection.audience ? [projection.audience] : [],
          expirationSeconds: seconds,
          boundObjectRef: { apiVersion: "v1", kind: "Pod", name: spec.podName, uid: podUid },
        },
      },
    },
  );
  return review.status.token;
}

async function copyDir(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    // The agent writes projected volumes as plain files and directories.
    if (entry.isDirectory) await copyDir(`${from}/${entry.name}`, `${to}/${entry.name}`);
    else if (entry.isFile) await Deno.copyFile(`${from}/${entry.name}`, `${to}/${entry.name}`);
  }
}

function bind(
  source: string,
  target: string,
  readOnly: boolean,
  file = false,
): Extract<RootMount, { kind: "bind" }> {
  return { kind: "bind", source, target, readOnly, file };
}

function normalize(path: string): string {
  return "/" + path.split("/").filter((p) => p && p !== ".").join("/");
}

function depth(path: string): number {
  return path.split("/").length;
}

function exitedAtOnce(code: number): RunningContainer {
  const exit = new ProcessExit();
  exit.exit(code);
  return {
    exited: exit.exited as Promise<ContainerExit>,
    ready: () => false,
    terminate: () => {},
    kill: () => {},
  };
}

/**
 * Operator processes an earlier agent of this node left running (it died without stopping its
 * containers): found by the marker in their environment, SIGKILLed.
 */
async function killOrphans(sharedFsRoot: string): Promise<number> {
  const marker = `${NODE_MARKER_ENV}=${sharedFsRoot}`;
  let killed = 0;
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name) || Number(entry.name) === Deno.pid) continue;
    let environ: string;
    try {
      environ = await Deno.readTextFile(`/proc/${entry.name}/environ`);
    } catch {
      continue;
    }
    if (!environ.split("\0").includes(marker)) continue;
    try {
      Deno.kill(Number(entry.name), "SIGKILL");
      killed++;
    } catch {
      // already gone
    }
  }
  return killed;
}

export async function createOperatorImageRuntime(): Promise<OperatorImageRuntime> {
  return await OperatorImageRuntime.create();
}
