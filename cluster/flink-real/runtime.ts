import type {
  ContainerExit,
  ContainerRuntime,
  ContainerSpec,
  RunningContainer,
} from "../nodeagent/runtime.ts";
import { loadFlinkConfig } from "../flink-sim/config_loader.ts";
import { ContainerFs } from "../flink-sim/container_fs.ts";
import type { FlinkConfig } from "../flink-sim/flink_config.ts";
import { restPortOf } from "../flink-sim/flink_options.ts";
import { isFlinkImage } from "../flink-sim/image.ts";
import { type LaunchSpec, parseLaunch } from "../flink-sim/launch.ts";
import { ProcessExit } from "../flink-sim/process_exit.ts";
import { parseFlinkVersion } from "../flink-sim/version.ts";
import {
  hostSystemLinks,
  requireMountNamespaces,
  rootMounts,
  rootScript,
} from "./container_root.ts";
import { ensureFlinkHome, type FlinkHome } from "./dist.ts";
import {
  DEFAULT_CONF_DIR,
  DEFAULT_CONF_IN_CONTAINER,
  FLINK_HOME_IN_CONTAINER,
  flinkPropertiesOverrides,
  javaArguments,
  LOG_DIR_IN_CONTAINER,
  splitJvmOptions,
} from "./java_command.ts";
import { MemoryFlagsCache } from "./memory_flags.ts";
import { killMarkedProcesses, nodeMarker } from "./orphans.ts";
import { type ProcessPlan, RealProcess } from "./process.ts";
import { ServiceHostsFile } from "./service_hosts.ts";
import { requireToolchain, type Toolchain } from "./toolchain.ts";
import { releaseForImage } from "./versions.ts";

const LOG4J_FILE = "log4j-console.properties";
const HOSTS_REFRESH_MS = 5_000;
const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** A start that the node agent reports as StartError (exit 128) with this message. */
export class RealStartError extends Error {
  override name = "RealStartError";
}

/**
 * The "real" container runtime: runs what a Flink image's docker-entrypoint.sh would run for a
 * pod's command (`jobmanager`, `standalone-job …`, `taskmanager`) as a real Flink JVM of the
 * release the image tag names, in a file system laid out like the image (container_root.ts).
 * Other commands run as they are inside the same root (init containers, sidecars).
 */
export class RealRuntime implements ContainerRuntime {
  readonly name = "real";
  readonly #memory: MemoryFlagsCache;
  readonly #systemLinks: Record<string, string | undefined>;
  /** Runs once per runtime, before its first process: what an earlier agent left running. */
  #orphansKilled: Promise<void> | undefined;

  private constructor(
    readonly toolchain: Toolchain,
    systemLinks: Record<string, string | undefined>,
  ) {
    this.#memory = new MemoryFlagsCache(toolchain.java);
    this.#systemLinks = systemLinks;
  }

  /** Checks java and the privileges mount namespaces need; Maven is checked when assembling. */
  static async create(): Promise<RealRuntime> {
    const toolchain = await requireToolchain(false);
    await requireMountNamespaces();
    return new RealRuntime(toolchain, await hostSystemLinks());
  }

  accepts(image: string): boolean {
    return isFlinkImage(image);
  }

  async start(spec: ContainerSpec): Promise<RunningContainer> {
    this.#orphansKilled ??= killMarkedProcesses(nodeMarker(spec.sharedFsRoot)).then((pids) => {
      if (pids.length > 0) spec.log(`killed ${pids.length} process(es) of an earlier node agent`);
    });
    await this.#orphansKilled;

    const launch = parseLaunch(spec.command, spec.args);
    if (launch.role === "none") {
      if (launch.words.length === 0 || launch.words[0] === "help") return exitedAtOnce(spec, 0);
      return await this.#startCommand(spec, launch.words);
    }
    if (launch.deployment === "native") {
      throw new RealStartError(
        "Flink native Kubernetes mode (kubernetes-jobmanager.sh / kubernetes-taskmanager.sh) needs " +
          "flink-kubernetes, which Maven Central does not serve, so the real runtime cannot run " +
          "it: use spec.mode: standalone, or the simulator (pod annotation flinkop.dev/runtime: sim)",
      );
    }
    let release;
    try {
      release = releaseForImage(spec.image);
    } catch (err) {
      throw new RealStartError((err as Error).message);
    }
    const home = await ensureFlinkHome(release, spec.log);
    const config = await this.#loadConfig(spec, launch, home);
    let memory;
    try {
      memory = await this.#memory.get(home, launch.role, config);
    } catch (err) {
      // flink-dist's scripts stop here with exit 1 when the memory settings do not add up.
      spec.log(`[ERROR] ${(err as Error).message}`);
      return exitedAtOnce(spec, 1, (err as Error).message);
    }
    const confDir = confDirOf(launch, spec.env);
    const fs = containerFs(spec, home);
    const log4jConfig = fs.mountedHostPath(`${confDir}/${LOG4J_FILE}`) &&
        await exists(fs.mountedHostPath(`${confDir}/${LOG4J_FILE}`)!)
      ? `${confDir}/${LOG4J_FILE}`
      : `${DEFAULT_CONF_IN_CONTAINER}/${LOG4J_FILE}`;
    const javaArgs = javaArguments({
      launch,
      config,
      memory,
      confDir,
      logFile: `${LOG_DIR_IN_CONTAINER}/${spec.containerName}-flink.log`,
      log4jConfig,
      podIP: spec.podIP,
      overrides: flinkPropertiesOverrides(spec.env),
      jvmArgsEnv: splitJvmOptions(spec.env["JVM_ARGS"]),
      marker: nodeMarker(spec.sharedFsRoot),
    });
    spec.log(
      `starting Flink ${release.version} ${launch.role} (${launch.mode}): java ${
        javaArgs.join(" ")
      }`,
    );
    const restPort = restPortOf(config);
    return await this.#spawn(spec, home, [this.toolchain.java, ...javaArgs], {
      FLINK_CONF_DIR: confDir,
    }, launch.role === "jobmanager" ? () => restAnswers(spec.podIP, restPort) : undefined);
  }

  #loadConfig(spec: ContainerSpec, launch: LaunchSpec, home: FlinkHome): Promise<FlinkConfig> {
    const { major, minor, patch } = parseFlinkVersion(home.release.version)!;
    return loadFlinkConfig({
      launch,
      env: spec.env,
      fs: containerFs(spec, home),
      imageVersion: { major, minor, patch },
    });
  }

  async #startCommand(spec: ContainerSpec, words: string[]): Promise<RunningContainer> {
    let home: FlinkHome | undefined;
    try {
      home = await ensureFlinkHome(releaseForImage(spec.image), spec.log);
    } catch (err) {
      throw new RealStartError((err as Error).message);
    }
    spec.log(`running ${words.join(" ")}`);
    return await this.#spawn(spec, home, words, {});
  }

  async #spawn(
    spec: ContainerSpec,
    home: FlinkHome,
    command: string[],
    extraEnv: Record<string, string>,
    readinessCheck?: () => Promise<boolean>,
  ): Promise<RunningContainer> {
    const outputFile = spec.logFile ?? `${spec.scratchDir}/output.log`;
    const logDir = outputFile.slice(0, outputFile.lastIndexOf("/"));
    const tmpDir = `${spec.scratchDir}/tmp-${crypto.randomUUID().slice(0, 8)}`;
    const hostsFile = `${spec.scratchDir}/hosts`;
    await Deno.mkdir(tmpDir, { recursive: true, mode: 0o1777 });
    await Deno.mkdir(logDir, { recursive: true });
    const hosts = new ServiceHostsFile(
      hostsFile,
      spec.kube,
      spec.namespace,
      { name: spec.podName, ip: spec.podIP },
      spec.log,
    );
    await hosts.write();
    hosts.startRefreshing(HOSTS_REFRESH_MS);

    const podMounts = { ...spec.mounts };
    const fileMounts = new Set<string>();
    for (const source of Object.values(podMounts)) {
      if ((await Deno.stat(source).catch(() => undefined))?.isFile) fileMounts.add(source);
    }
    const mounts = rootMounts({
      root: spec.sharedFsRoot,
      flinkHome: home.dir,
      tmpDir,
      logDir,
      hostsFile,
      podMounts,
      isFile: (p) => fileMounts.has(p),
      javaHome: this.toolchain.javaHome,
      systemLinks: this.#systemLinks,
    });
    await Deno.mkdir(spec.sharedFsRoot, { recursive: true });
    const plan: ProcessPlan = {
      program: "unshare",
      args: [
        "--mount",
        "--propagation",
        "private",
        "--",
        "/bin/sh",
        "-c",
        rootScript(spec.sharedFsRoot, mounts, outputFile),
        "flinkop-container",
        ...command,
      ],
      env: {
        PATH,
        HOSTNAME: spec.podName,
        JAVA_HOME: this.toolchain.javaHome,
        FLINK_HOME: FLINK_HOME_IN_CONTAINER,
        FLINK_LIB_DIR: `${FLINK_HOME_IN_CONTAINER}/lib`,
        FLINK_PLUGINS_DIR: `${FLINK_HOME_IN_CONTAINER}/plugins`,
        FLINK_OPT_DIR: `${FLINK_HOME_IN_CONTAINER}/opt`,
        FLINK_LOG_DIR: LOG_DIR_IN_CONTAINER,
        ...spec.env,
        ...extraEnv,
      },
      outputFile,
      readinessCheck,
      cleanup: async () => {
        hosts.stop();
        await Deno.remove(tmpDir, { recursive: true });
      },
      log: spec.log,
    };
    try {
      return RealProcess.start(plan);
    } catch (err) {
      await plan.cleanup().catch(() => {});
      throw err;
    }
  }
}

export async function createRealRuntime(): Promise<RealRuntime> {
  return await RealRuntime.create();
}

/** The conf dir a launch reads, as the entrypoint scripts resolve it. */
export function confDirOf(launch: LaunchSpec, env: Record<string, string>): string {
  return launch.configDir ?? env["FLINK_CONF_DIR"] ?? DEFAULT_CONF_DIR;
}

/** The pod's mounts over the image's default conf dir, for reading configuration files. */
function containerFs(spec: ContainerSpec, home: FlinkHome): ContainerFs {
  return new ContainerFs(
    { [DEFAULT_CONF_DIR]: `${home.dir}/conf`, ...spec.mounts },
    spec.sharedFsRoot,
  );
}

async function restAnswers(podIP: string, port: number): Promise<boolean> {
  const res = await fetch(`http://${podIP}:${port}/overview`, {
    signal: AbortSignal.timeout(2000),
  });
  await res.body?.cancel();
  return res.ok;
}

function exitedAtOnce(spec: ContainerSpec, code: number, message?: string): RunningContainer {
  if (code === 0) spec.log("Not a Flink process; exiting 0.");
  const exit = new ProcessExit();
  exit.exit(code, message);
  return {
    exited: exit.exited as Promise<ContainerExit>,
    ready: () => false,
    terminate: () => {},
    kill: () => {},
  };
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}
