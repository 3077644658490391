import { FlinkExceptions, type SimThrowable, throwable } from "./failure.ts";
import type { FlinkConfig } from "./flink_config.ts";
import { type FlinkVersion, isAtLeast } from "./version.ts";
import {
  humanReadableMemory as hr,
  parseFlinkMemorySize,
  readFlinkMemorySize,
} from "./memory_size.ts";

/*
 * Whether Flink can derive a JobManager's or TaskManager's memory layout from its configuration —
 * what the image's scripts ask BashJavaUtils before starting the JVM, and what a native
 * JobManager computes for the TaskManagers it will start. Flink's own model, reduced to what
 * decides start or refusal: the total process or total Flink memory minus the fixed and
 * fractional parts must leave room; fine-grained settings (task heap + managed, JobManager heap)
 * are taken as they are. The refusals carry Flink's messages (compared with BashJavaUtils of
 * Flink 1.20.5 and 2.2.1 by tests/integration/sim_fidelity_startup_test.ts).
 */

const MB = 1024 * 1024;
const GB = 1024 * MB;

/** Why a process cannot start, in Flink's words. */
class MemoryRefusal extends Error {
  constructor(message: string, readonly reason?: SimThrowable) {
    super(message);
  }
}

/** The failure BashJavaUtils reports for a TaskManager, or undefined when it can start. */
export function taskManagerMemoryFailure(config: FlinkConfig): SimThrowable | undefined {
  return failureOf("TaskManager", () => checkTaskManager(config));
}

/**
 * The failure BashJavaUtils reports for a JobManager, or undefined when it can start. Flink 2
 * reports the cause alone, without 1.x's "JobManager memory configuration failed" around it.
 */
export function jobManagerMemoryFailure(
  config: FlinkConfig,
  version: FlinkVersion,
): SimThrowable | undefined {
  return failureOf(
    isAtLeast(version, 2, 0) ? undefined : "JobManager",
    () => checkJobManager(config),
  );
}

function failureOf(role: string | undefined, check: () => void): SimThrowable | undefined {
  try {
    check();
    return undefined;
  } catch (err) {
    if (!(err instanceof MemoryRefusal)) throw err;
    const cause = throwable(FlinkExceptions.illegalConfiguration, err.message, err.reason);
    if (!role) return cause;
    return throwable(
      FlinkExceptions.illegalConfiguration,
      `${role} memory configuration failed: ${err.message}`,
      cause,
    );
  }
}

function checkTaskManager(config: FlinkConfig): void {
  const read = sizeReader(config, "taskmanager.memory.");
  const taskHeap = read("task.heap.size");
  const managedSize = read("managed.size");
  const flinkSize = read("flink.size") ?? legacySize(config, "taskmanager.heap");
  const processSize = read("process.size");
  if (taskHeap === undefined || managedSize === undefined) {
    let flink: number;
    if (flinkSize !== undefined) flink = flinkSize;
    else if (processSize !== undefined) flink = flinkOfProcess(config, "taskmanager", processSize);
    else {
      throw new MemoryRefusal(
        "Either required fine-grained memory (taskmanager.memory.task.heap.size and " +
          "taskmanager.memory.managed.size), or Total Flink Memory size " +
          unsetOption("taskmanager.memory.flink.size") + ", or Total Process Memory size " +
          unsetOption("taskmanager.memory.process.size") + " need to be configured explicitly.",
      );
    }
    if (taskHeap === undefined) {
      const frameworkHeap = read("framework.heap.size") ?? 128 * MB;
      const frameworkOffHeap = read("framework.off-heap.size") ?? 128 * MB;
      const taskOffHeap = read("task.off-heap.size") ?? 0;
      const managed = managedSize ?? fractionOf(flink, config, "taskmanager.memory.managed", 0.4);
      const network = between(
        fractionOf(flink, config, "taskmanager.memory.network", 0.1),
        read("network.min") ?? 64 * MB,
        read("network.max") ?? Number.MAX_SAFE_INTEGER,
      );
      if (frameworkHeap + frameworkOffHeap + taskOffHeap + managed + network > flink) {
        throw new MemoryRefusal(
          `Sum of configured Framework Heap Memory (${hr(frameworkHeap)}), Framework Off-Heap ` +
            `Memory (${hr(frameworkOffHeap)}), Task Off-Heap Memory (${hr(taskOffHeap)}), ` +
            `Managed Memory (${hr(managed)}) and Network Memory (${hr(network)}) exceed ` +
            `configured Total Flink Memory (${hr(flink)}).`,
        );
      }
    }
  }
  // CPU cores default to the slot count, so no slots means no cores.
  const cores = Number.parseFloat(config.get("taskmanager.cpu.cores") ?? "");
  const cpu = Number.isFinite(cores) ? cores : config.getInt(["taskmanager.numberOfTaskSlots"], 1);
  if (!(cpu > 0)) {
    throw new MemoryRefusal(
      "TaskExecutors need to be started with a positive number of CPU cores. Please configure " +
        "taskmanager.cpu.cores accordingly.",
    );
  }
}

function checkJobManager(config: FlinkConfig): void {
  const read = sizeReader(config, "jobmanager.memory.");
  if (read("heap.size") !== undefined || legacySize(config, "jobmanager.heap") !== undefined) {
    return;
  }
  const flinkSize = read("flink.size");
  const processSize = read("process.size");
  let flink: number;
  if (flinkSize !== undefined) flink = flinkSize;
  else if (processSize !== undefined) flink = flinkOfProcess(config, "jobmanager", processSize);
  else {
    throw new MemoryRefusal(
      "Either required fine-grained memory (jobmanager.memory.heap.size), or Total Flink Memory " +
        `size ${unsetOption("jobmanager.memory.flink.size")}, or Total Process Memory size ` +
        `${unsetOption("jobmanager.memory.process.size")} need to be configured explicitly.`,
    );
  }
  const offHeap = read("off-heap.size") ?? 128 * MB;
  if (flink <= offHeap) {
    throw new MemoryRefusal(
      `The configured Total Flink Memory (${hr(flink)}) is less than the configured Off-heap ` +
        `Memory (${hr(offHeap)}).`,
    );
  }
}

/** Total Flink memory left of a process size once JVM metaspace and overhead are taken. */
function flinkOfProcess(
  config: FlinkConfig,
  role: "jobmanager" | "taskmanager",
  processSize: number,
): number {
  const read = sizeReader(config, `${role}.memory.`);
  const metaspace = read("jvm-metaspace.size") ?? 256 * MB;
  const overhead = between(
    fractionOf(processSize, config, `${role}.memory.jvm-overhead`, 0.1),
    read("jvm-overhead.min") ?? 192 * MB,
    read("jvm-overhead.max") ?? 1 * GB,
  );
  if (metaspace + overhead > processSize) {
    throw new MemoryRefusal(
      `Sum of configured JVM Metaspace (${hr(metaspace)}) and JVM Overhead (${hr(overhead)}) ` +
        `exceed configured Total Process Memory (${hr(processSize)}).`,
    );
  }
  return processSize - metaspace - overhead;
}

/** Reads `<prefix><key>` as a memory size; unreadable text refuses the start. */
function sizeReader(config: FlinkConfig, prefix: string): (key: string) => number | undefined {
  return (key) => {
    const text = config.get(prefix + key);
    if (text === undefined) return undefined;
    const bytes = readFlinkMemorySize(text);
    if (typeof bytes !== "number") {
      throw new MemoryRefusal(
        `Cannot read memory size from config option '${prefix + key}'.`,
        throwable(
          FlinkExceptions.illegalArgument,
          `Could not parse value '${text}' for key '${prefix + key}'.`,
          bytes,
        ),
      );
    }
    return bytes;
  };
}

/** The pre-1.10 heap options (`<prefix>.size`, `<prefix>.mb`), still read as fallbacks. */
function legacySize(config: FlinkConfig, prefix: string): number | undefined {
  const size = config.get(`${prefix}.size`);
  if (size !== undefined) return parseFlinkMemorySize(size);
  const mb = config.get(`${prefix}.mb`);
  return mb !== undefined && /^\d+$/.test(mb) ? Number(mb) * MB : undefined;
}

/** `<base> × <option>.fraction`, the fraction a Java float as Flink reads it, rounded down. */
function fractionOf(base: number, config: FlinkConfig, option: string, fallback: number): number {
  const value = Number.parseFloat(config.get(`${option}.fraction`) ?? "");
  const fraction = Math.fround(Number.isFinite(value) ? value : fallback);
  return Math.floor(base * fraction);
}

function between(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}

/** How Flink's message describes an option that has no default. */
function unsetOption(key: string): string {
  return `(Key: '${key}' , default: null (fallback keys: []))`;
}
