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

// ---- Whether Flink can derive a process spec at all ------------------------------------------

/**
 * Flink's memory model (TaskExecutorProcessUtils / JobManagerProcessUtils), reduced to the
 * question the operator must answer before it deploys: can Flink derive a JobManager or
 * TaskManager process spec from this configuration, or will the process refuse to start (a
 * crash-looping pod)? Flink derives the spec from, in order of precedence, the fine-grained
 * options (TaskManager task heap + managed memory; JobManager heap), the total Flink memory, or
 * the total process memory, fills the rest with defaults and fractions, and refuses when the
 * parts do not fit. Options Flink ignores or that this model does not know (the pre-1.10 heap
 * options, the legacy network buffer count) make it accept rather than guess: it only refuses
 * what Flink refuses.
 */

const MAX_BYTES = Number.MAX_SAFE_INTEGER;

export type ProcessRole = "jobmanager" | "taskmanager";

export type ProcessSpecProblem =
  /** None of the options Flink derives the process from is set. */
  | { readonly kind: "undefined" }
  /** An option Flink reads is not in its syntax. */
  | { readonly kind: "unreadable"; readonly key: string; readonly message: string }
  /** The options do not add up; `keys` are the ones that decided the sizes. */
  | { readonly kind: "inconsistent"; readonly keys: readonly string[]; readonly message: string };

class Refusal extends Error {
  constructor(readonly problem: ProcessSpecProblem) {
    super(problem.kind);
  }
}

/** Why Flink cannot derive the role's process spec from `conf`, or undefined when it can. */
export function processSpecProblem(
  conf: Readonly<Record<string, string>>,
  role: ProcessRole,
): ProcessSpecProblem | undefined {
  try {
    if (role === "taskmanager") deriveTaskManager(conf);
    else deriveJobManager(conf);
    return undefined;
  } catch (error) {
    if (error instanceof Refusal) return error.problem;
    throw error;
  }
}

/**
 * The smallest process size (whole MiB) Flink accepts with the rest of `conf`, when the process
 * size is what the memory is derived from; undefined otherwise or when no size up to 1 TiB works.
 */
export function minimumProcessSize(
  conf: Readonly<Record<string, string>>,
  role: ProcessRole,
): number | undefined {
  const prefix = `${role}.memory.`;
  const decisive = role === "taskmanager"
    ? ["task.heap.size", "flink.size", "heap.size"]
    : ["heap.size", "flink.size"];
  if (decisive.some((key) => conf[prefix + key] !== undefined)) return undefined;
  const fits = (mib: number) =>
    processSpecProblem({ ...conf, [`${prefix}process.size`]: `${mib}m` }, role) === undefined;
  let low = 1;
  let high = 1024 * 1024;
  if (!fits(high)) return undefined;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (fits(middle)) high = middle;
    else low = middle + 1;
  }
  return low * MIB;
}

/** `1.5g`, `448m`, `0`: sizes in messages. */
export function describeBytes(bytes: number): string {
  if (bytes === 0) return "0";
  for (const [unit, factor] of [["t", 2 ** 40], ["g", 2 ** 30], ["m", MIB], ["k", 1024]] as const) {
    if (bytes >= factor) {
      const value = bytes / factor;
      return `${Number.isInteger(value) ? value : Number(value.toFixed(3))}${unit}`;
    }
  }
  return `${bytes}b`;
}

const FLINK_UNITS: ReadonlyMap<string, number> = new Map(
  ([
    [1, ["", "b", "bytes"]],
    [1024, ["k", "kb", "kibibytes"]],
    [MIB, ["m", "mb", "mebibytes"]],
    [2 ** 30, ["g", "gb", "gibibytes"]],
    [2 ** 40, ["t", "tb", "tebibytes"]],
  ] as const).flatMap(([bytes, labels]) => labels.map((label) => [label, bytes] as const)),
);

/**
 * Flink's `MemorySize.parse`: digits, then an optional unit of bytes, KiB, MiB, GiB or TiB in
 * any case. Unlike `resource.memory`, Flink options take no Kubernetes quantities (`1Gi`).
 */
export function parseFlinkMemoryOption(text: string): number | undefined {
  const match = /^(\d+)(.*)$/s.exec(text.trim());
  if (match === null) return undefined;
  const factor = FLINK_UNITS.get(match[2].trim().toLowerCase());
  if (factor === undefined) return undefined;
  const bytes = Number(match[1]) * factor;
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** Reads the role's options, refusing as Flink does when one cannot be read. */
class Options {
  constructor(readonly conf: Readonly<Record<string, string>>, readonly prefix: string) {}

  has(key: string): boolean {
    return this.conf[this.prefix + key] !== undefined;
  }

  size(key: string): number | undefined;
  size(key: string, fallback: number): number;
  size(key: string, fallback?: number): number | undefined {
    const full = this.prefix + key;
    const text = this.conf[full];
    if (text === undefined) return fallback;
    const bytes = parseFlinkMemoryOption(text);
    if (bytes === undefined) {
      throw new Refusal({
        kind: "unreadable",
        key: full,
        message: `"${text}" is not a memory size in Flink's syntax`,
      });
    }
    return bytes;
  }

  /** A fraction option with its min/max options, as Flink's RangeFraction checks them. */
  range(name: string, defaults: { min: number; max: number; fraction: number }): Range {
    const min = this.size(`${name}.min`, defaults.min);
    const max = this.size(`${name}.max`, defaults.max);
    const fractionKey = `${this.prefix}${name}.fraction`;
    const text = this.conf[fractionKey];
    const parsed = text === undefined ? defaults.fraction : Number(text.trim());
    if (text !== undefined && (text.trim() === "" || !Number.isFinite(parsed))) {
      throw new Refusal({
        kind: "unreadable",
        key: fractionKey,
        message: `"${text}" is not a number`,
      });
    }
    // Flink reads the fraction as a Java float.
    const fraction = Math.fround(parsed);
    if (min > max || !(fraction >= 0 && fraction < 1)) {
      throw new Refusal({
        kind: "inconsistent",
        keys: [`${this.prefix}${name}.min`, `${this.prefix}${name}.max`, fractionKey],
        message:
          `${name} is inconsistently configured: fraction ${fraction} (must be in [0, 1)), ` +
          `min ${describeBytes(min)}, max ${describeBytes(max)}`,
      });
    }
    return { min, max, fraction, name };
  }
}

interface Range {
  readonly min: number;
  readonly max: number;
  readonly fraction: number;
  readonly name: string;
}

/** Flink's MemorySize.multiply: the product truncated to whole bytes. */
function times(bytes: number, factor: number): number {
  return Math.floor(bytes * factor);
}

function capped(bytes: number, range: Range): number {
  return Math.min(range.max, Math.max(range.min, bytes));
}

function inconsistent(keys: string[], message: string): never {
  throw new Refusal({ kind: "inconsistent", keys, message });
}

const OVERHEAD_DEFAULTS = { min: 192 * MIB, max: 1024 * MIB, fraction: 0.1 };

/**
 * JVM metaspace and overhead around a total Flink memory (when the process size is also set,
 * the overhead is what is left and must be within its range).
 */
function checkOverheadAround(options: Options, totalFlink: number, decidedBy: string): void {
  const metaspace = options.size("jvm-metaspace.size", 256 * MIB);
  const overhead = options.range("jvm-overhead", OVERHEAD_DEFAULTS);
  const process = options.size("process.size");
  if (process === undefined) return;
  const left = process - totalFlink - metaspace;
  if (left < overhead.min || left > overhead.max) {
    inconsistent(
      [options.prefix + "process.size", decidedBy],
      `the process size ${describeBytes(process)} leaves ${describeBytes(Math.max(left, 0))} ` +
        `for JVM overhead next to total Flink memory ${describeBytes(totalFlink)} and metaspace ` +
        `${describeBytes(metaspace)}, outside the overhead range [${
          describeBytes(overhead.min)
        }, ` +
        `${describeBytes(overhead.max)}]`,
    );
  }
}

/** Total Flink memory left of the process size once metaspace and overhead are taken. */
function flinkOfProcess(options: Options, process: number): number {
  const metaspace = options.size("jvm-metaspace.size", 256 * MIB);
  const overhead = capped(
    times(process, options.range("jvm-overhead", OVERHEAD_DEFAULTS).fraction),
    options.range("jvm-overhead", OVERHEAD_DEFAULTS),
  );
  if (metaspace + overhead > process) {
    inconsistent(
      [options.prefix + "process.size"],
      `JVM metaspace (${describeBytes(metaspace)}) and JVM overhead ` +
        `(${describeBytes(overhead)}) exceed the process size (${describeBytes(process)})`,
    );
  }
  return process - metaspace - overhead;
}

function deriveTaskManager(conf: Readonly<Record<string, string>>): void {
  const o = new Options(conf, "taskmanager.memory.");
  const legacyHeap = conf["taskmanager.heap.size"] !== undefined ||
    conf["taskmanager.heap.mb"] !== undefined;
  const fineGrained = o.has("task.heap.size") && o.has("managed.size");
  if (legacyHeap && !fineGrained && !o.has("flink.size") && !o.has("process.size")) return;
  const legacyNetwork = conf["taskmanager.network.numberOfBuffers"] !== undefined &&
    !["network.min", "network.max", "network.fraction"].some((key) => o.has(key));
  if (legacyNetwork) return;

  const frameworkHeap = o.size("framework.heap.size", 128 * MIB);
  const frameworkOffHeap = o.size("framework.off-heap.size", 128 * MIB);
  const taskOffHeap = o.size("task.off-heap.size", 0);
  const taskHeap = o.size("task.heap.size");
  const managedSize = o.size("managed.size");
  const network = o.range("network", { min: 64 * MIB, max: MAX_BYTES, fraction: 0.1 });
  const managed = o.range("managed", { min: 0, max: MAX_BYTES, fraction: 0.4 });
  const flinkSize = o.size("flink.size");
  const processSize = o.size("process.size");
  o.range("jvm-overhead", OVERHEAD_DEFAULTS);
  const fixed = frameworkHeap + frameworkOffHeap + taskOffHeap;
  const parts = (managedBytes: number, networkBytes?: number) =>
    `framework heap ${describeBytes(frameworkHeap)}, framework off-heap ` +
    `${describeBytes(frameworkOffHeap)}, task off-heap ${describeBytes(taskOffHeap)}, managed ` +
    `${describeBytes(managedBytes)}` +
    (networkBytes === undefined ? "" : `, network ${describeBytes(networkBytes)}`);
  const checkNetwork = (bytes: number, keys: string[]) => {
    if (bytes < network.min || bytes > network.max) {
      inconsistent(
        keys,
        `the network memory left (${describeBytes(bytes)}) is outside its range ` +
          `[${describeBytes(network.min)}, ${describeBytes(network.max)}]`,
      );
    }
  };

  if (taskHeap !== undefined && managedSize !== undefined) {
    const withoutNetwork = fixed + taskHeap + managedSize;
    const keys = ["taskmanager.memory.task.heap.size", "taskmanager.memory.managed.size"];
    let total: number;
    if (flinkSize !== undefined) {
      keys.push("taskmanager.memory.flink.size");
      if (withoutNetwork > flinkSize) {
        inconsistent(
          keys,
          `task heap ${describeBytes(taskHeap)} with ${parts(managedSize)} exceed the total ` +
            `Flink memory ${describeBytes(flinkSize)}`,
        );
      }
      checkNetwork(flinkSize - withoutNetwork, keys);
      total = flinkSize;
    } else {
      total = withoutNetwork +
        capped(times(withoutNetwork, network.fraction / (1 - network.fraction)), network);
    }
    checkOverheadAround(o, total, keys[0]);
    return;
  }

  let total: number;
  let decidedBy: string;
  if (flinkSize !== undefined) {
    total = flinkSize;
    decidedBy = "taskmanager.memory.flink.size";
  } else if (processSize !== undefined) {
    total = flinkOfProcess(o, processSize);
    decidedBy = "taskmanager.memory.process.size";
  } else {
    throw new Refusal({ kind: "undefined" });
  }
  const managedBytes = managedSize ?? times(total, managed.fraction);
  const of = decidedBy === "taskmanager.memory.process.size"
    ? `the ${describeBytes(total)} of Flink memory the process size leaves`
    : `the total Flink memory ${describeBytes(total)}`;
  if (taskHeap !== undefined) {
    const withoutNetwork = fixed + taskHeap + managedBytes;
    const keys = [decidedBy, "taskmanager.memory.task.heap.size"];
    if (withoutNetwork > total) {
      inconsistent(
        keys,
        `task heap ${describeBytes(taskHeap)} with ${parts(managedBytes)} exceed ${of}`,
      );
    }
    checkNetwork(total - withoutNetwork, keys);
  } else {
    const networkBytes = capped(times(total, network.fraction), network);
    if (fixed + managedBytes + networkBytes > total) {
      inconsistent(
        [decidedBy],
        `${parts(managedBytes, networkBytes)} need ` +
          `${describeBytes(fixed + managedBytes + networkBytes)}, more than ${of}, ` +
          "leaving nothing for the task heap",
      );
    }
  }
  if (decidedBy !== "taskmanager.memory.process.size") checkOverheadAround(o, total, decidedBy);
}

function deriveJobManager(conf: Readonly<Record<string, string>>): void {
  const o = new Options(conf, "jobmanager.memory.");
  const legacyHeap = conf["jobmanager.heap.size"] !== undefined ||
    conf["jobmanager.heap.mb"] !== undefined;
  if (legacyHeap && !["heap.size", "flink.size", "process.size"].some((key) => o.has(key))) {
    return;
  }
  const heap = o.size("heap.size");
  const offHeap = o.size("off-heap.size", 128 * MIB);
  const flinkSize = o.size("flink.size");
  const processSize = o.size("process.size");
  o.range("jvm-overhead", OVERHEAD_DEFAULTS);
  o.size("jvm-metaspace.size", 256 * MIB);
  if (heap !== undefined) {
    const total = heap + offHeap;
    if (flinkSize !== undefined && flinkSize !== total) {
      inconsistent(
        ["jobmanager.memory.heap.size", "jobmanager.memory.flink.size"],
        `heap ${describeBytes(heap)} and off-heap ${describeBytes(offHeap)} do not add up to ` +
          `the total Flink memory ${describeBytes(flinkSize)}`,
      );
    }
    checkOverheadAround(o, total, "jobmanager.memory.heap.size");
    return;
  }
  if (flinkSize !== undefined) {
    if (flinkSize <= offHeap) {
      inconsistent(
        ["jobmanager.memory.flink.size"],
        `the total Flink memory ${describeBytes(flinkSize)} leaves no heap next to the ` +
          `off-heap memory ${describeBytes(offHeap)}`,
      );
    }
    checkOverheadAround(o, flinkSize, "jobmanager.memory.flink.size");
    return;
  }
  if (processSize === undefined) throw new Refusal({ kind: "undefined" });
  const total = flinkOfProcess(o, processSize);
  if (total <= offHeap) {
    inconsistent(
      ["jobmanager.memory.process.size"],
      `the ${describeBytes(total)} of Flink memory the process size leaves is no more than the ` +
        `off-heap memory ${describeBytes(offHeap)}, leaving no heap`,
    );
  }
}
