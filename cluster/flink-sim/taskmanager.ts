import type { ContainerExit, ContainerSpec, RunningContainer } from "../nodeagent/runtime.ts";
import { loadFlinkConfig } from "./config_loader.ts";
import { ContainerFs } from "./container_fs.ts";
import { clusterIdOf, slotsPerTaskManagerOf } from "./flink_options.ts";
import type { LaunchSpec } from "./launch.ts";
import { ExitCodes, ProcessExit } from "./process_exit.ts";
import { taskManagerRefusal } from "./startup_checks.ts";
import type { TaskManagerRegistry } from "./taskmanager_registry.ts";
import type { FlinkVersion } from "./version.ts";

/**
 * A simulated TaskManager: ready at once, idle until stopped. It registers its slots with the
 * cluster it belongs to so a standalone JobManager can report it under `/taskmanagers`; the
 * simulated jobs do not depend on it.
 */
export class SimTaskManager implements RunningContainer {
  readonly #exit = new ProcessExit();
  #unregister: (() => void) | undefined;

  private constructor(private readonly spec: ContainerSpec) {}

  static start(
    spec: ContainerSpec,
    launch: LaunchSpec,
    registry: TaskManagerRegistry,
    imageVersion?: FlinkVersion,
  ): SimTaskManager {
    const tm = new SimTaskManager(spec);
    const fs = new ContainerFs(spec.mounts, spec.sharedFsRoot);
    loadFlinkConfig({ launch, env: spec.env, fs, imageVersion }).then((config) => {
      if (!tm.#exit.alive) return;
      const refusal = taskManagerRefusal(config);
      if (refusal) {
        for (const line of refusal.lines) spec.log(line);
        return tm.#stop(ExitCodes.startupFailure, refusal.message);
      }
      const clusterKey = clusterIdOf(config) ?? config.get("jobmanager.rpc.address") ?? "default";
      tm.#unregister = registry.register(spec.namespace, clusterKey, {
        id: spec.podName,
        host: spec.podIP,
        slots: slotsPerTaskManagerOf(config),
        registeredAt: Date.now(),
      });
      spec.log(`Simulated TaskManager ${spec.podName} registered with cluster ${clusterKey}.`);
    }, (err) => {
      spec.log(`TaskManager configuration error: ${err instanceof Error ? err.message : err}`);
      tm.#stop(ExitCodes.startupFailure, String(err));
    });
    return tm;
  }

  get exited(): Promise<ContainerExit> {
    return this.#exit.exited;
  }

  ready(): boolean {
    return this.#exit.alive;
  }

  terminate(): void {
    this.#stop(ExitCodes.terminated);
  }

  kill(): void {
    this.#stop(ExitCodes.killed);
  }

  #stop(code: number, message?: string): void {
    this.#unregister?.();
    this.#unregister = undefined;
    if (this.#exit.exit(code, message)) this.spec.log(`TaskManager exited with code ${code}.`);
  }
}
