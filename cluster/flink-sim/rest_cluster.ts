import type { JobManagerApi } from "./jobmanager_api.ts";
import { isGloballyTerminal } from "./job.ts";
import { jsonResponse, type RestRouter } from "./rest_router.ts";
import type { RegisteredTaskManager } from "./taskmanager_registry.ts";
import { formatFlinkVersion } from "./version.ts";

const MB = 1024 * 1024;

/** Cluster-level endpoints: version probe, overview, TaskManagers, shutdown. */
export function registerClusterRoutes(router: RestRouter, jm: JobManagerApi): void {
  router.on("GET", "/config", () =>
    jsonResponse({
      "refresh-interval": jm.viewCaches.executionGraph.ttlMs,
      "timezone-name": "Coordinated Universal Time",
      "timezone-offset": 0,
      "flink-version": formatFlinkVersion(jm.version),
      "flink-revision": "f1a7c5e @ 2024-07-29T00:00:00+00:00",
      "features": {
        "web-submit": jm.config.getBool(["web.submit.enable"], true),
        "web-cancel": jm.config.getBool(["web.cancel.enable"], true),
        "web-rescale": jm.config.getBool(["web.rescale.enable"], false),
        "web-history": false,
      },
    }));

  router.on("GET", "/overview", () => {
    const tms = taskManagerSlots(jm);
    const jobs = jm.jobs();
    const count = (state: string) => jobs.filter((j) => j.state === state).length;
    return jsonResponse({
      "taskmanagers": tms.length,
      "slots-total": tms.reduce((n, t) => n + t.slots, 0),
      "slots-available": tms.reduce((n, t) => n + t.free, 0),
      "jobs-running": jobs.filter((j) => !isGloballyTerminal(j.state)).length,
      "jobs-finished": count("FINISHED"),
      "jobs-cancelled": count("CANCELED"),
      "jobs-failed": count("FAILED"),
      "flink-version": formatFlinkVersion(jm.version),
      "flink-commit": "f1a7c5e",
      // `taskmanagers-blocked` and `slots-free-and-blocked` appear only when non-zero.
    });
  });

  router.on("GET", "/taskmanagers", () => {
    const now = Date.now();
    return jsonResponse({
      taskmanagers: taskManagerSlots(jm).map(({ tm, slots, free }) =>
        taskManagerJson(tm, slots, free, now)
      ),
    });
  });

  router.on(
    "GET",
    "/jobmanager/config",
    () =>
      jsonResponse(Object.entries(jm.config.toRecord()).map(([key, value]) => ({ key, value }))),
  );

  router.on("DELETE", "/cluster", () => {
    jm.shutDownCluster();
    return jsonResponse({});
  });
}

/** Spreads the slots of non-terminal jobs over the TaskManagers, first fit. */
function taskManagerSlots(jm: JobManagerApi) {
  let needed = jm.jobs()
    .filter((j) => !isGloballyTerminal(j.state))
    .reduce((n, j) => n + j.parallelism, 0);
  return jm.taskManagers().map((tm) => {
    const used = Math.min(tm.slots, needed);
    needed -= used;
    return { tm, slots: tm.slots, free: tm.slots - used };
  });
}

function taskManagerJson(tm: RegisteredTaskManager, slots: number, free: number, now: number) {
  const resource = (n: number) => ({
    cpuCores: n,
    taskHeapMemory: 384 * n,
    taskOffHeapMemory: 0,
    managedMemory: 512 * n,
    networkMemory: 128 * n,
    extendedResources: {},
  });
  return {
    id: tm.id,
    path: `pekko.tcp://flink@${tm.host}:6122/user/rpc/taskmanager_0`,
    dataPort: 6121,
    jmxPort: -1,
    timeSinceLastHeartbeat: now,
    slotsNumber: slots,
    freeSlots: free,
    totalResource: resource(slots),
    freeResource: resource(free),
    hardware: {
      cpuCores: 2,
      physicalMemory: 4096 * MB,
      freeMemory: 1024 * MB,
      managedMemory: 512 * MB * slots,
    },
    memoryConfiguration: {
      frameworkHeap: 128 * MB,
      taskHeap: 384 * MB * slots,
      frameworkOffHeap: 128 * MB,
      taskOffHeap: 0,
      networkMemory: 128 * MB * slots,
      managedMemory: 512 * MB * slots,
      jvmMetaspace: 256 * MB,
      jvmOverhead: 192 * MB,
      totalFlinkMemory: 1280 * MB * slots,
      totalProcessMemory: 1728 * MB * slots,
    },
    // `blocked` appears only for blocked TaskManagers.
  };
}
