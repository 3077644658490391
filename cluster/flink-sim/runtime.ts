import type {
  ContainerExit,
  ContainerRuntime,
  ContainerSpec,
  RunningContainer,
} from "../nodeagent/runtime.ts";
import { kubeHaStore } from "./ha_store.ts";
import { flinkVersionOfImage, isFlinkImage } from "./image.ts";
import { type HaStoreFactory, SimJobManager } from "./jobmanager.ts";
import { parseLaunch } from "./launch.ts";
import { ProcessExit } from "./process_exit.ts";
import { SimTaskManager } from "./taskmanager.ts";
import { TaskManagerRegistry } from "./taskmanager_registry.ts";
import { SharedTicker } from "./ticker.ts";
import { resolveTimings, type SimTimings } from "./timings.ts";

export interface SimRuntimeOptions {
  timings?: Partial<SimTimings>;
  /**
   * Storage for Kubernetes HA ConfigMaps; defaults to the API server through the node agent's
   * KubeClient. Tests pass an in-memory store.
   */
  haStoreFactory?: HaStoreFactory;
}

/** A simulated process of the runtime; `role` tells JobManagers from TaskManagers. */
export type SimContainer =
  | (SimJobManager & { readonly role: "jobmanager" })
  | (SimTaskManager & { readonly role: "taskmanager" })
  | (RunningContainer & { readonly role: "none" });

/**
 * The "sim" container runtime: runs Flink images as in-process simulated JobManagers and
 * TaskManagers. One instance serves all pods of a node agent; the processes share a single
 * fault-polling tick and the TaskManager registry.
 */
export class SimRuntime implements ContainerRuntime {
  readonly name = "sim";
  readonly timings: SimTimings;
  readonly #ticker: SharedTicker;
  readonly #taskManagers = new TaskManagerRegistry();
  readonly #haStoreFactory: HaStoreFactory;

  constructor(opts: SimRuntimeOptions = {}) {
    this.timings = resolveTimings(opts.timings);
    this.#ticker = new SharedTicker(this.timings.faultPollMs);
    this.#haStoreFactory = opts.haStoreFactory ?? kubeHaStore;
  }

  accepts(image: string): boolean {
    return isFlinkImage(image);
  }

  start(spec: ContainerSpec): Promise<SimContainer> {
    const launch = parseLaunch(spec.command, spec.args);
    const imageVersion = flinkVersionOfImage(spec.image);
    if (launch.role === "jobmanager") {
      const jm = SimJobManager.start({
        spec,
        launch,
        timings: this.timings,
        ticker: this.#ticker,
        taskManagers: this.#taskManagers,
        haStoreFactory: this.#haStoreFactory,
        imageVersion,
      });
      return Promise.resolve(Object.assign(jm, { role: "jobmanager" as const }));
    }
    if (launch.role === "taskmanager") {
      const tm = SimTaskManager.start(spec, launch, this.#taskManagers, imageVersion);
      return Promise.resolve(Object.assign(tm, { role: "taskmanager" as const }));
    }
    return Promise.resolve(finishedAtOnce(spec, "words" in launch ? launch.words : []));
  }
}

export function createSimRuntime(opts: SimRuntimeOptions = {}): SimRuntime {
  return new SimRuntime(opts);
}

/**
 * Anything that is not a Flink role (the image default `help`, helper commands in init
 * containers) exits 0 right away, as the entrypoint's usage text would.
 */
function finishedAtOnce(spec: ContainerSpec, words: string[]): SimContainer {
  spec.log(`Not a Flink process (${words.join(" ") || "no command"}); exiting 0.`);
  const exit = new ProcessExit();
  exit.exit(0);
  return {
    role: "none",
    exited: exit.exited as Promise<ContainerExit>,
    ready: () => false,
    terminate: () => {},
    kill: () => {},
  };
}
