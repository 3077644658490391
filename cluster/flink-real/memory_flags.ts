import type { FlinkConfig } from "../flink-sim/flink_config.ts";
import type { FlinkHome } from "./dist.ts";

/**
 * What flink-dist's scripts got from BashJavaUtils before starting a JobManager or TaskManager:
 * the JVM heap/direct/metaspace flags, and the derived `-D` memory settings the process must be
 * given (TaskManagerRunner refuses to start without them).
 */
export interface MemoryFlags {
  jvm: string[];
  dynamicProperties: string[];
}

export type MemoryRole = "jobmanager" | "taskmanager";

/**
 * The options BashJavaUtils reads. Only these go into its input, so its answer depends on exactly
 * what the cache key holds and a cluster's other settings (names, paths) never defeat the cache.
 */
const MEMORY_KEY_PREFIXES = [
  "jobmanager.memory.",
  "jobmanager.heap.",
  "taskmanager.memory.",
  "taskmanager.heap.",
  "taskmanager.cpu.",
  "taskmanager.numberOfTaskSlots",
  "external-resource",
];

export function memoryEntries(config: FlinkConfig): Record<string, string> {
  return Object.fromEntries(
    Object.entries(config.toRecord())
      .filter(([key]) => MEMORY_KEY_PREFIXES.some((p) => key.startsWith(p)))
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

/** BashJavaUtils prints its answer on lines prefixed like this, after any log output. */
const RESULT_PREFIX = "BASH_JAVA_UTILS_EXEC_RESULT:";

/** Parses BashJavaUtils output: the JVM flags line, then the `-D key=value` line. */
export function parseBashJavaUtilsOutput(output: string): MemoryFlags {
  const results = output.split("\n")
    .filter((line) => line.startsWith(RESULT_PREFIX))
    .map((line) => line.slice(RESULT_PREFIX.length).trim());
  if (results.length < 2) {
    throw new Error(`BashJavaUtils printed no memory settings:\n${output.slice(-2000)}`);
  }
  const jvm = results[results.length - 2].split(/\s+/).filter(Boolean);
  // "-D a=1b -D b=2b" → ["-Da=1b", "-Db=2b"]
  const dynamicProperties = results[results.length - 1].split(/\s*-D\s+/).map((s) => s.trim())
    .filter(Boolean).map((kv) => `-D${kv}`);
  return { jvm, dynamicProperties };
}

/**
 * Computes memory flags with one short JVM per distinct (release, role, memory settings) and
 * remembers the answer for the life of the runtime: many pods share a few memory layouts.
 */
export class MemoryFlagsCache {
  readonly #answers = new Map<string, Promise<MemoryFlags>>();

  constructor(private readonly java: string) {}

  get(home: FlinkHome, role: MemoryRole, config: FlinkConfig): Promise<MemoryFlags> {
    const entries = memoryEntries(config);
    const key = JSON.stringify([home.release.version, role, entries]);
    let answer = this.#answers.get(key);
    if (!answer) {
      answer = this.#compute(home, role, entries);
      // A failure is not cached: the next pod tries again.
      answer.catch(() => this.#answers.delete(key));
      this.#answers.set(key, answer);
    }
    return answer;
  }

  async #compute(
    home: FlinkHome,
    role: MemoryRole,
    entries: Record<string, string>,
  ): Promise<MemoryFlags> {
    // BashJavaUtils insists on a config file; everything it should see comes as -D.
    const confDir = await Deno.makeTempDir({ prefix: "flinkop-memory-" });
    try {
      await Deno.writeTextFile(`${confDir}/${home.release.configFile}`, "");
      const command = role === "jobmanager" ? "GET_JM_RESOURCE_PARAMS" : "GET_TM_RESOURCE_PARAMS";
      const out = await new Deno.Command(this.java, {
        args: [
          "-Xmx256m",
          "-XX:TieredStopAtLevel=1",
          "-XX:+UseSerialGC",
          "-classpath",
          `${home.dir}/lib/*`,
          "org.apache.flink.runtime.util.bash.BashJavaUtils",
          command,
          "--configDir",
          confDir,
          ...Object.entries(entries).map(([k, v]) => `-D${k}=${v}`),
        ],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout);
      if (!out.success) {
        const err = new TextDecoder().decode(out.stderr);
        throw new Error(
          `Flink's memory calculation (BashJavaUtils ${command}) failed: ${lastLines(text + err)}`,
        );
      }
      return parseBashJavaUtilsOutput(text);
    } finally {
      await Deno.remove(confDir, { recursive: true }).catch(() => {});
    }
  }
}

/** The last lines that say something: stack frames (`at …`, `... 3 more`) are left out. */
function lastLines(text: string): string {
  return text.trim().split("\n")
    .filter((l) => l.trim() && !/^\s+(at |\.\.\. \d+ more)/.test(l))
    .slice(-5).join("\n");
}
