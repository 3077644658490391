import { FlinkExceptions, type SimThrowable, stackTraceOf, throwable } from "./failure.ts";
import type { FlinkConfig } from "./flink_config.ts";
import { decodeFlinkList } from "./flink_list.ts";
import type { LaunchSpec } from "./launch.ts";
import { jobManagerMemoryFailure, taskManagerMemoryFailure } from "./process_memory.ts";
import { type FlinkVersion, isAtLeast } from "./version.ts";

/*
 * What a Flink process refuses at start, before it serves anything: it prints why and exits 1
 * (ClusterEntrypoint's STARTUP_FAILURE_RETURN_CODE, or the image script's `exit 1`). Measured on
 * Flink 1.20.5 and 2.2.1 (tests/integration/sim_fidelity_startup_test.ts) except where noted.
 */

/** The output of a process that refuses to start; it exits 1. */
export interface StartupRefusal {
  lines: string[];
  /** The container's termination message: its last error lines, as for a real process. */
  message: string;
}

/** A TaskManager: the image script cannot derive its memory layout (or it has no CPU/slots). */
export function taskManagerRefusal(config: FlinkConfig): StartupRefusal | undefined {
  const failure = taskManagerMemoryFailure(config);
  return failure && refusal(scriptRefusal(failure));
}

/**
 * A JobManager, in the order Flink meets the problems: its own memory layout (the image script),
 * then the application program (application mode), then the resource manager: a native one
 * derives the TaskManagers' memory layout at once, and every one needs slots.
 */
export function jobManagerRefusal(
  config: FlinkConfig,
  launch: LaunchSpec,
  version: FlinkVersion,
): StartupRefusal | undefined {
  const memory = jobManagerMemoryFailure(config, version);
  if (memory) return refusal(scriptRefusal(memory));

  if (launch.mode === "application") {
    const program = applicationProgramFailure(config, launch, version);
    if (program) {
      return refusal([
        clusterEntrypointLog("Could not create application program."),
        stackTraceOf(program),
      ]);
    }
  }

  const resourceManager = resourceManagerFailure(config, launch);
  if (resourceManager) {
    const entrypoint = entrypointName(launch);
    return refusal([
      clusterEntrypointLog(`Could not start cluster entrypoint ${entrypoint}.`),
      stackTraceOf(throwable(
        FlinkExceptions.clusterEntrypoint,
        `Failed to initialize the cluster entrypoint ${entrypoint}.`,
        throwable(
          FlinkExceptions.flink,
          "Could not create the DispatcherResourceManagerComponent.",
          resourceManager,
        ),
      )),
    ]);
  }
  return undefined;
}

/** What flink-dist's scripts print when BashJavaUtils fails, before any JVM of Flink starts. */
function scriptRefusal(failure: SimThrowable): string[] {
  return [
    "[ERROR] The execution result is empty.",
    "[ERROR] Could not get JVM parameters and dynamic configurations properly.",
    "[ERROR] Raw output from BashJavaUtils:",
    `Exception in thread "main" ${stackTraceOf(failure)}`,
  ];
}

/**
 * The program of an application cluster cannot be built: `pipeline.classpaths` entries must be
 * URLs (the operator puts a standalone application's jarURI there), and before Flink 1.19 a
 * native application's `pipeline.jars` must be a `local:` URI (from Flink's source; native mode
 * cannot run on real Flink here — from 1.19 on Flink fetches other schemes instead).
 */
function applicationProgramFailure(
  config: FlinkConfig,
  launch: LaunchSpec,
  version: FlinkVersion,
): SimThrowable | undefined {
  for (const entry of decodeFlinkList(config.get("pipeline.classpaths") ?? "")) {
    const problem = urlProblem(entry);
    if (problem) {
      return throwable(
        FlinkExceptions.flink,
        "An error occurred while extracting the user classpath.",
        throwable(FlinkExceptions.malformedUrl, problem),
      );
    }
  }
  if (launch.deployment === "native" && !isAtLeast(version, 1, 19)) {
    for (const jar of decodeFlinkList(config.get("pipeline.jars") ?? "")) {
      if (!/^local:\/\//i.test(jar)) {
        return throwable(
          FlinkExceptions.illegalArgument,
          'Only "local" is supported as schema for application mode. This assumes that the jar ' +
            "is located in the image, not the Flink client. An example of such path is: " +
            "local:///opt/flink/examples/streaming/WindowJoin.jar",
        );
      }
    }
  }
  return undefined;
}

/** URL protocols a JVM knows out of the box. */
const JAVA_URL_PROTOCOLS = new Set(["file", "http", "https", "ftp", "jar", "jrt", "mailto"]);

/** java.net.URL's complaint about a text, or undefined when it is a URL. */
function urlProblem(text: string): string | undefined {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(text)?.[1];
  if (!scheme) return `no protocol: ${text}`;
  if (!JAVA_URL_PROTOCOLS.has(scheme.toLowerCase())) return `unknown protocol: ${scheme}`;
  return undefined;
}

/**
 * Creating the resource manager: a native (active) one derives the TaskManagers' process spec
 * from the configuration right away (CPU from `kubernetes.taskmanager.cpu.amount` when set), and
 * the slot manager of every kind needs at least one slot per TaskManager.
 */
function resourceManagerFailure(config: FlinkConfig, launch: LaunchSpec): SimThrowable | undefined {
  if (launch.deployment === "native") {
    const cpu = config.get("kubernetes.taskmanager.cpu.amount", "kubernetes.taskmanager.cpu");
    const workerConfig = cpu !== undefined && Number.parseFloat(cpu) > 0
      ? config.with({ "taskmanager.cpu.cores": cpu })
      : config;
    const worker = taskManagerMemoryFailure(workerConfig);
    if (worker) return worker;
  }
  if (config.getInt(["taskmanager.numberOfTaskSlots"], 1) <= 0) {
    return throwable(FlinkExceptions.illegalState, "");
  }
  return undefined;
}

function entrypointName(launch: LaunchSpec): string {
  if (launch.deployment === "native") {
    return launch.mode === "application"
      ? "KubernetesApplicationClusterEntrypoint"
      : "KubernetesSessionClusterEntrypoint";
  }
  return launch.mode === "application"
    ? "StandaloneApplicationClusterEntryPoint"
    : "StandaloneSessionClusterEntrypoint";
}

/** A log4j ERROR line of ClusterEntrypoint, as Flink's console log prints it (sans timestamp). */
function clusterEntrypointLog(message: string): string {
  return `ERROR org.apache.flink.runtime.entrypoint.ClusterEntrypoint        [] - ${message}`;
}

function refusal(lines: string[]): StartupRefusal {
  const errorLines = lines.join("\n").split("\n")
    .filter((l) => !l.startsWith("\t") && /ERROR|Exception|Error:|error:/.test(l));
  return { lines, message: errorLines.slice(-3).join("\n") };
}
