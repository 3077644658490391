import type { FlinkConfig } from "../flink-sim/flink_config.ts";
import { parseLegacyFlinkConf } from "../flink-sim/flink_config.ts";
import type { LaunchSpec } from "../flink-sim/launch.ts";
import type { MemoryFlags } from "./memory_flags.ts";

/** Where the image keeps things; the real runtime lays the same tree out inside each container. */
export const FLINK_HOME_IN_CONTAINER = "/opt/flink";
export const LOG_DIR_IN_CONTAINER = "/opt/flink/log";
export const DEFAULT_CONF_DIR = "/opt/flink/conf";
/** The release's default conf dir, visible even when a volume covers /opt/flink/conf. */
export const DEFAULT_CONF_IN_CONTAINER = "/opt/flink/conf-default";

/** What docker-entrypoint.sh + flink-dist's scripts would run for a launch. */
export const ENTRY_CLASSES = {
  session: "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
  application: "org.apache.flink.container.entrypoint.StandaloneApplicationClusterEntryPoint",
  taskmanager: "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
} as const;

/**
 * flink-dist's default `env.java.opts.all` for Java 17: Flink (and Kryo, Pekko) reach into these
 * JDK internals. The image always has them; a pod's own configuration cannot drop them.
 */
export const JAVA17_FLAGS = [
  "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
  "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
  "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
  ...[
    "java.lang",
    "java.net",
    "java.io",
    "java.nio",
    "sun.nio.ch",
    "java.lang.reflect",
    "java.text",
    "java.time",
    "java.util",
    "java.util.concurrent",
    "java.util.concurrent.atomic",
    "java.util.concurrent.locks",
  ].map((pkg) => `--add-opens=java.base/${pkg}=ALL-UNNAMED`),
];

/**
 * Halves start-up CPU on our 2-core machines (C1 only, one compiler thread, serial GC; measured
 * ~2 CPU-s instead of ~4 per process). A 50 records/s test job never needs C2. Skipped as a
 * whole when the pod's own JVM options pick a collector, which the JVM would refuse to combine.
 */
export const FAST_START_FLAGS = [
  "-XX:TieredStopAtLevel=1",
  "-XX:CICompilerCount=1",
  "-XX:+UseSerialGC",
  "-XX:-UsePerfData",
];

export interface JavaCommandInput {
  launch: LaunchSpec;
  /** The effective configuration (file, FLINK_PROPERTIES, `-D` arguments). */
  config: FlinkConfig;
  memory: MemoryFlags;
  /** Container path of the conf dir the process reads. */
  confDir: string;
  /** Container path of log4j's file appender target. */
  logFile: string;
  /** Container path of the log4j configuration to use. */
  log4jConfig: string;
  podIP: string;
  /** Settings laid over the configuration file as `-D`, e.g. FLINK_PROPERTIES. */
  overrides: Record<string, string>;
  /** Extra JVM options from the environment (JVM_ARGS), split into words. */
  jvmArgsEnv: string[];
  /** A marker system property that lets the runtime find its processes again. */
  marker: string;
}

/** The `java` argument list (without the executable), as flink-dist's scripts would build it. */
export function javaArguments(input: JavaCommandInput): string[] {
  const { launch, config } = input;
  const role = launch.role;
  const userJvmOptions = [
    ...splitJvmOptions(config.get("env.java.default-opts.all")),
    ...splitJvmOptions(config.get("env.java.opts.all", "env.java.opts")),
    ...splitJvmOptions(
      config.get(role === "jobmanager" ? "env.java.opts.jobmanager" : "env.java.opts.taskmanager"),
    ),
    ...input.jvmArgsEnv,
  ];
  const picksCollector = userJvmOptions.some((o) => /^-XX:\+Use\w*GC$/.test(o));
  return [
    ...input.memory.jvm,
    ...JAVA17_FLAGS,
    ...(picksCollector ? [] : FAST_START_FLAGS),
    ...userJvmOptions,
    `-Dlog.file=${input.logFile}`,
    `-Dlog4j.configuration=file:${input.log4jConfig}`,
    `-Dlog4j.configurationFile=file:${input.log4jConfig}`,
    input.marker,
    "-classpath",
    `${FLINK_HOME_IN_CONTAINER}/lib/*`,
    entryClass(launch),
    "--configDir",
    input.confDir,
    ...input.memory.dynamicProperties,
    ...Object.entries(addressProperties(launch, input.podIP, config))
      .map(([k, v]) => `-D${k}=${v}`),
    ...Object.entries(input.overrides).map(([k, v]) => `-D${k}=${v}`),
    ...Object.entries(launch.dynamicProperties).map(([k, v]) => `-D${k}=${v}`),
    ...applicationArguments(launch),
  ];
}

export function entryClass(launch: LaunchSpec): string {
  if (launch.role === "taskmanager") return ENTRY_CLASSES.taskmanager;
  return launch.mode === "application" ? ENTRY_CLASSES.application : ENTRY_CLASSES.session;
}

/**
 * Every server of the process binds to the pod's own address, as it would inside its own network
 * namespace; on the shared loopback a wildcard bind of :6123 or :6122 would collide with other
 * pods. `jobmanager.rpc.address` stays what the configuration says (in standalone mode the
 * JobManager Service name): it is the JobManager's Pekko address, and TaskManagers must address it
 * by the very same name. A setting the pod makes explicitly wins.
 */
export function addressProperties(
  launch: LaunchSpec,
  podIP: string,
  config: FlinkConfig,
): Record<string, string> {
  const keys = launch.role === "jobmanager"
    ? ["jobmanager.bind-host", "rest.address", "rest.bind-address"]
    : ["taskmanager.bind-host", "taskmanager.host"];
  return Object.fromEntries(
    keys.filter((k) => !(k in launch.dynamicProperties) && !isExplicitAddress(config.get(k)))
      .map((k) => [k, podIP]),
  );
}

/** A concrete address the user chose; `0.0.0.0`/`localhost` would collide on the shared loopback. */
function isExplicitAddress(value: string | undefined): boolean {
  return value !== undefined && !["0.0.0.0", "localhost", "127.0.0.1", "::"].includes(value);
}

/** standalone-job's options and the user program's arguments, in the entry point's syntax. */
function applicationArguments(launch: LaunchSpec): string[] {
  if (launch.role !== "jobmanager" || launch.mode !== "application") return [];
  const args: string[] = [];
  if (launch.jobClassName) args.push("--job-classname", launch.jobClassName);
  if (launch.jobId) args.push("--job-id", launch.jobId);
  if (launch.fromSavepoint) args.push("--fromSavepoint", launch.fromSavepoint);
  if (launch.allowNonRestoredState) args.push("--allowNonRestoredState");
  return [...args, ...launch.programArgs];
}

/** FLINK_PROPERTIES, which docker-entrypoint.sh appends to the configuration file. */
export function flinkPropertiesOverrides(env: Record<string, string>): Record<string, string> {
  return parseLegacyFlinkConf(env["FLINK_PROPERTIES"] ?? "");
}

/** JVM options as the scripts word-split them (no quoting inside option strings). */
export function splitJvmOptions(text: string | undefined): string[] {
  return (text ?? "").split(/\s+/).filter(Boolean);
}
