import { splitShellWords } from "./shell_words.ts";

export type ProcessRole = "jobmanager" | "taskmanager";
export type ClusterMode = "application" | "session";

/** What the Flink docker entrypoint would start, derived from a container's command and args. */
export interface LaunchSpec {
  role: ProcessRole;
  /** Meaningful for JobManagers only. */
  mode: ClusterMode;
  /** native = `kubernetes-*.sh` scripts (the JM talks to Kubernetes); standalone = docker roles. */
  deployment: "native" | "standalone";
  /** `-D key=value` / `-Dkey=value` arguments, which override the configuration file. */
  dynamicProperties: Record<string, string>;
  /** `--configDir`, overriding FLINK_CONF_DIR. */
  configDir?: string;
  /** standalone-job options (StandaloneApplicationClusterConfigurationParserFactory). */
  jobClassName?: string;
  fromSavepoint?: string;
  allowNonRestoredState: boolean;
  jobId?: string;
  restPort?: string;
  programArgs: string[];
}

/** The command is not a Flink process (e.g. the image default `help`, or `sleep 10`). */
export interface NotFlinkLaunch {
  role: "none";
  words: string[];
}

const SHELLS = new Set(["bash", "sh", "dash", "zsh"]);

/**
 * Flattens command + args into the words the entrypoint sees, unwrapping `bash -c "<line>"` the
 * way Flink's native Kubernetes mode starts its processes.
 */
export function entrypointWords(command: string[], args: string[]): string[] {
  const words = [...command, ...args];
  for (let i = 0; i < words.length - 1; i++) {
    if (SHELLS.has(basename(words[i])) && words[i + 1] === "-c" && i + 2 < words.length) {
      // Words after the -c string are $0, $1… of that script, not part of the command.
      return [...words.slice(0, i), ...splitShellWords(words[i + 2])];
    }
  }
  return words;
}

export function parseLaunch(command: string[], args: string[]): LaunchSpec | NotFlinkLaunch {
  const words = entrypointWords(command, args);
  for (let i = 0; i < words.length; i++) {
    const word = basename(words[i]).replace(/\.sh$/, "");
    const rest = words.slice(i + 1);
    switch (word) {
      case "kubernetes-jobmanager": {
        const mode = rest[0] === "kubernetes-application" ? "application" : "session";
        const skip = rest[0]?.startsWith("kubernetes-") ? 1 : 0;
        return parseOptions("jobmanager", mode, "native", rest.slice(skip));
      }
      case "kubernetes-application":
        return parseOptions("jobmanager", "application", "native", rest);
      case "kubernetes-session":
        return parseOptions("jobmanager", "session", "native", rest);
      case "kubernetes-taskmanager":
        return parseOptions("taskmanager", "session", "native", rest);
      case "standalone-job":
        return parseOptions("jobmanager", "application", "standalone", rest);
      case "jobmanager":
        return parseOptions("jobmanager", "session", "standalone", rest);
      case "taskmanager":
        return parseOptions("taskmanager", "session", "standalone", rest);
    }
  }
  return { role: "none", words };
}

function parseOptions(
  role: ProcessRole,
  mode: ClusterMode,
  deployment: LaunchSpec["deployment"],
  words: string[],
): LaunchSpec {
  const launch: LaunchSpec = {
    role,
    mode,
    deployment,
    dynamicProperties: {},
    allowNonRestoredState: false,
    programArgs: [],
  };
  const isStandaloneJob = role === "jobmanager" && mode === "application" &&
    deployment === "standalone";
  for (let i = 0; i < words.length; i++) {
    const raw = words[i];
    const eq = raw.startsWith("--") ? raw.indexOf("=") : -1;
    const name = eq > 0 ? raw.slice(0, eq) : raw;
    const inline = eq > 0 ? raw.slice(eq + 1) : undefined;
    const value = () => inline ?? words[++i];
    if (name === "-D") {
      addDynamicProperty(launch, words[++i]);
    } else if (name.startsWith("-D") && name.length > 2) {
      addDynamicProperty(launch, raw.slice(2));
    } else if (name === "start-foreground") {
      continue;
    } else if (name === "--configDir" || name === "-c") {
      launch.configDir = value();
    } else if (name === "--executionMode" || name === "-x" || name === "--host") {
      value();
    } else if (name === "--webui-port" || name === "-r") {
      launch.restPort = value();
    } else if (isStandaloneJob && (name === "--job-classname" || name === "-j")) {
      launch.jobClassName = value();
    } else if (isStandaloneJob && (name === "--fromSavepoint" || name === "-s")) {
      launch.fromSavepoint = value();
    } else if (isStandaloneJob && (name === "--allowNonRestoredState" || name === "-n")) {
      launch.allowNonRestoredState = true;
    } else if (isStandaloneJob && (name === "--job-id" || name === "-jid")) {
      launch.jobId = value();
    } else if (isStandaloneJob) {
      // commons-cli stops at the first non-option: the rest belongs to the user program.
      launch.programArgs = words.slice(i);
      break;
    }
  }
  return launch;
}

function addDynamicProperty(launch: LaunchSpec, kv: string | undefined): void {
  if (!kv) return;
  const eq = kv.indexOf("=");
  if (eq <= 0) return;
  launch.dynamicProperties[kv.slice(0, eq).trim()] = kv.slice(eq + 1);
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}
