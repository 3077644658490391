/** A TaskManager as its JobManager's resource manager sees it. */
export interface RegisteredTaskManager {
  id: string;
  host: string;
  slots: number;
  registeredAt: number;
}

/**
 * Which simulated TaskManagers run for which cluster, so a standalone JobManager can list the
 * TaskManager pods that really exist. Lives in the runtime (all simulated processes share one
 * Deno process); keyed by namespace and cluster id.
 */
export class TaskManagerRegistry {
  readonly #byCluster = new Map<string, Map<string, RegisteredTaskManager>>();

  register(namespace: string, clusterId: string, tm: RegisteredTaskManager): () => void {
    const key = `${namespace}/${clusterId}`;
    let members = this.#byCluster.get(key);
    if (!members) this.#byCluster.set(key, members = new Map());
    members.set(tm.id, tm);
    return () => {
      members!.delete(tm.id);
      if (members!.size === 0 && this.#byCluster.get(key) === members) this.#byCluster.delete(key);
    };
  }

  list(namespace: string, clusterId: string): RegisteredTaskManager[] {
    return [...(this.#byCluster.get(`${namespace}/${clusterId}`)?.values() ?? [])];
  }
}
