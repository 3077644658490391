import type { ContainerRuntime, RunningContainer } from "./runtime.ts";

/**
 * The container runtimes the node agent can be started with (`--runtime`). Each is loaded only
 * when selected, so the agent starts even while a runtime's module is missing or broken.
 */
export const RUNTIME_NAMES = ["sim", "real", "flinkop"] as const;
export type RuntimeName = typeof RUNTIME_NAMES[number];

export class RuntimeUnavailableError extends Error {}

type SimModule = typeof import("../flink-sim/mod.ts");
type RealModule = typeof import("../flink-real/mod.ts");
type OperatorImageModule = typeof import("../flinkop-image/mod.ts");

const factories: Record<RuntimeName, () => Promise<ContainerRuntime>> = {
  async sim() {
    const mod = await loadModule<SimModule>("sim", "../flink-sim/mod.ts");
    return mod.createSimRuntime();
  },
  async real() {
    const mod = await loadModule<RealModule>("real", "../flink-real/mod.ts");
    try {
      return await mod.createRealRuntime();
    } catch (err) {
      throw new RuntimeUnavailableError(
        `runtime "real" cannot run here: ${err instanceof Error ? err.message : err}`,
      );
    }
  },
  /** The operator's own image (the Helm chart's Deployment), see cluster/flinkop-image/. */
  async flinkop() {
    const mod = await loadModule<OperatorImageModule>("flinkop", "../flinkop-image/mod.ts");
    try {
      return await mod.createOperatorImageRuntime();
    } catch (err) {
      throw new RuntimeUnavailableError(
        `runtime "flinkop" cannot run here: ${err instanceof Error ? err.message : err}`,
      );
    }
  },
};

/**
 * Loads a runtime's module at run time (typed by its module type): a runtime that fails to load
 * then costs its pods, not the whole agent and with it the Node.
 */
async function loadModule<T>(name: RuntimeName, path: string): Promise<T> {
  const specifier = new URL(path, import.meta.url).href;
  try {
    return await import(specifier) as T;
  } catch (err) {
    throw new RuntimeUnavailableError(
      `runtime "${name}" could not be loaded from cluster/${path.slice(3)}: ${
        err instanceof Error ? err.message : err
      }`,
    );
  }
}

export function isRuntimeName(name: string): name is RuntimeName {
  return (RUNTIME_NAMES as readonly string[]).includes(name);
}

/**
 * Stands in for a runtime that could not be loaded: it accepts no image, so pods report why in
 * their waiting message instead of the whole agent (and with it the Node) failing to start.
 */
export class UnavailableRuntime implements ContainerRuntime {
  constructor(readonly name: string, readonly reason: string) {}
  accepts(): boolean {
    return false;
  }
  start(): Promise<RunningContainer> {
    return Promise.reject(new RuntimeUnavailableError(this.reason));
  }
}

/**
 * Loads the named runtimes in order (an image goes to the first that accepts it). One that fails
 * to load is replaced by an UnavailableRuntime and reported through onUnavailable.
 */
export async function loadRuntimes(
  names: RuntimeName[],
  onUnavailable: (name: string, reason: string) => void = () => {},
): Promise<ContainerRuntime[]> {
  const runtimes: ContainerRuntime[] = [];
  for (const name of names) {
    try {
      runtimes.push(await factories[name]());
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      onUnavailable(name, reason);
      runtimes.push(new UnavailableRuntime(name, reason));
    }
  }
  return runtimes;
}

/** "sim" or "sim, real (unavailable: …)": the runtime list quoted in ErrImagePull messages. */
export function describeRuntimes(runtimes: ContainerRuntime[]): string {
  if (runtimes.length === 0) return "none";
  return runtimes
    .map((r) => r instanceof UnavailableRuntime ? `${r.name} (unavailable: ${r.reason})` : r.name)
    .join(", ");
}
