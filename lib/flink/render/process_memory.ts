import { ConfigError } from "../../config/config_error.ts";
import { parseMemorySize } from "../../config/memory_size.ts";
import { errorMessage } from "../../error_message.ts";

/**
 * Total process memory of a JobManager or TaskManager as Flink derives it from the
 * configuration, in whole MiB: the size of the container memory request. Covers the process
 * size, the total Flink memory (plus metaspace and JVM overhead) and, for the JobManager, the
 * heap size (plus off-heap); finer-grained TaskManager setups return `undefined`.
 */

const MIB = 2 ** 20;

interface Layout {
  readonly processKeys: readonly string[];
  readonly flinkKey: string;
  readonly prefix: string;
}

const LAYOUTS: Record<"jobmanager" | "taskmanager", Layout> = {
  // `jobmanager.heap.size` is the pre-1.11 key, which Flink reads as the process size.
  jobmanager: {
    processKeys: ["jobmanager.memory.process.size", "jobmanager.heap.size"],
    flinkKey: "jobmanager.memory.flink.size",
    prefix: "jobmanager.memory",
  },
  taskmanager: {
    processKeys: ["taskmanager.memory.process.size", "taskmanager.heap.size"],
    flinkKey: "taskmanager.memory.flink.size",
    prefix: "taskmanager.memory",
  },
};

export function processMemoryMiB(
  conf: Readonly<Record<string, string>>,
  role: "jobmanager" | "taskmanager",
): number | undefined {
  const layout = LAYOUTS[role];
  const read = (key: string) => readSize(conf, key);
  for (const key of layout.processKeys) {
    const bytes = read(key);
    if (bytes !== undefined) return Math.floor(bytes / MIB);
  }
  let flinkBytes = read(layout.flinkKey);
  if (flinkBytes === undefined && role === "jobmanager") {
    const heap = read("jobmanager.memory.heap.size");
    if (heap !== undefined) {
      flinkBytes = heap + (read("jobmanager.memory.off-heap.size") ?? 128 * MIB);
    }
  }
  if (flinkBytes === undefined) return undefined;
  const metaspace = read(`${layout.prefix}.jvm-metaspace.size`) ?? 256 * MIB;
  const overhead = jvmOverhead(conf, layout.prefix, flinkBytes + metaspace);
  return Math.floor((flinkBytes + metaspace + overhead) / MIB);
}

/** The overhead is a fraction of the whole process, so it is derived by inverting it. */
function jvmOverhead(
  conf: Readonly<Record<string, string>>,
  prefix: string,
  withoutOverhead: number,
): number {
  const fractionText = conf[`${prefix}.jvm-overhead.fraction`];
  const fraction = fractionText === undefined ? 0.1 : Number(fractionText);
  const min = readSize(conf, `${prefix}.jvm-overhead.min`) ?? 192 * MIB;
  const max = readSize(conf, `${prefix}.jvm-overhead.max`) ?? 1024 * MIB;
  const relative = Number.isFinite(fraction) && fraction >= 0 && fraction < 1
    ? Math.floor(withoutOverhead * fraction / (1 - fraction))
    : min;
  return Math.min(max, Math.max(min, relative));
}

function readSize(conf: Readonly<Record<string, string>>, key: string): number | undefined {
  const text = conf[key];
  if (text === undefined || text.trim() === "") return undefined;
  try {
    return parseMemorySize(text);
  } catch (error) {
    throw new ConfigError({ key, message: errorMessage(error) });
  }
}
