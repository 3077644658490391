import { stringify as toYaml } from "yaml";
import type { KubeClient } from "../../lib/kube/client.ts";
import type { ContainerSpec } from "../../cluster/nodeagent/runtime.ts";
import {
  createSimRuntime,
  jobConfigMapName,
  MemoryHaStore,
  type SimContainer,
  type SimRuntime,
  type SimTimings,
} from "../../cluster/flink-sim/mod.ts";

/** Fast timings so every simulated activity takes tens of milliseconds. */
export const TEST_TIMINGS: Partial<SimTimings> = {
  jobManagerStartMs: 10,
  jobStartMs: 60,
  savepointMs: 60,
  checkpointMs: 30,
  cancelMs: 40,
  restartMs: 60,
  disposalMs: 20,
  counterTickMs: 10,
  faultPollMs: 40,
};

/** One test's world: a temp shared file system, a runtime, and in-memory HA ConfigMaps. */
export class SimWorld {
  readonly runtime: SimRuntime;
  /** HA stores by `namespace/cluster-id`, shared by all JobManagers of the test (like etcd). */
  readonly haStores = new Map<string, MemoryHaStore>();
  readonly containers: SimContainer[] = [];

  private constructor(readonly root: string, timings: Partial<SimTimings>) {
    this.runtime = createSimRuntime({
      timings,
      haStoreFactory: (_kube, namespace, clusterId) => this.haStore(clusterId, namespace),
    });
  }

  static async create(timings: Partial<SimTimings> = TEST_TIMINGS): Promise<SimWorld> {
    return new SimWorld(await Deno.makeTempDir({ prefix: "flink-sim-test-" }), timings);
  }

  get sharedFsRoot(): string {
    return `${this.root}/shared`;
  }

  haStore(clusterId: string, namespace = "default"): MemoryHaStore {
    const key = `${namespace}/${clusterId}`;
    let store = this.haStores.get(key);
    if (!store) this.haStores.set(key, store = new MemoryHaStore());
    return store;
  }

  /** Host path of a `file:///…` path on the shared file system. */
  host(path: string): string {
    return this.sharedFsRoot + path.replace(/^file:\/*/, "/");
  }

  async start(opts: ProcessOptions = {}): Promise<SimProcess> {
    const name = opts.podName ?? `pod-${this.containers.length}`;
    const confDir = `${this.root}/${name}/conf`;
    await Deno.mkdir(confDir, { recursive: true });
    if (opts.conf) {
      // Memory as the operator always writes it (Flink refuses to start without), and no REST
      // caches (tests compress time; sim_rest_cache_test.ts keeps them); a test drops a key by
      // setting it to undefined.
      const conf = Object.fromEntries(
        Object.entries({ ...PROCESS_MEMORY, ...UNCACHED, ...opts.conf }).filter(([, v]) =>
          v !== undefined
        ),
      );
      const file = opts.confFile ?? "config.yaml";
      const text = file === "config.yaml"
        ? toYaml(conf)
        : Object.entries(conf).map(([k, v]) => `${k}: ${v}`).join("\n") + "\n";
      await Deno.writeTextFile(`${confDir}/${file}`, text);
    }
    const ip = opts.ip ?? randomLoopbackIp();
    const port = opts.port ?? freePort(ip);
    const logs: string[] = [];
    const annotations: Record<string, string> = { ...opts.annotations };
    const spec: ContainerSpec = {
      namespace: opts.namespace ?? "default",
      podName: name,
      podUid: crypto.randomUUID(),
      containerName: "flink-main-container",
      image: opts.image ?? "flink:1.20",
      podIP: ip,
      command: opts.command ?? ["/docker-entrypoint.sh"],
      args: [
        ...(opts.args ?? ["kubernetes-jobmanager.sh", "kubernetes-application"]),
        `-Drest.port=${port}`,
      ],
      env: opts.env ?? {},
      mounts: { "/opt/flink/conf": confDir },
      sharedFsRoot: this.sharedFsRoot,
      scratchDir: `${this.root}/${name}/scratch`,
      annotations: () => annotations,
      kube: NO_KUBE,
      log: (m) => logs.push(m),
    };
    const container = await this.runtime.start(spec);
    this.containers.push(container);
    return new SimProcess(container, `http://${ip}:${port}`, logs, annotations);
  }

  /** Stops whatever is still running and removes the temp dir. */
  async dispose(): Promise<void> {
    for (const c of this.containers) c.kill();
    await Promise.all(this.containers.map((c) => c.exited));
    await Deno.remove(this.root, { recursive: true }).catch(() => {});
  }
}

export interface ProcessOptions {
  conf?: Record<string, unknown>;
  confFile?: "config.yaml" | "flink-conf.yaml";
  command?: string[];
  args?: string[];
  env?: Record<string, string>;
  annotations?: Record<string, string>;
  image?: string;
  podName?: string;
  namespace?: string;
  ip?: string;
  port?: number;
}

/** A started simulated process plus helpers to talk to its REST API. */
export class SimProcess {
  constructor(
    readonly container: SimContainer,
    readonly url: string,
    readonly logs: string[],
    /** Live annotations: mutate to inject or clear faults. */
    readonly annotations: Record<string, string>,
  ) {}

  async request(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: Record<string, unknown> & { errors?: string[] } }> {
    const res = await fetch(this.url + path, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : {} };
  }

  async get<T = Record<string, unknown>>(path: string): Promise<T> {
    const { status, json } = await this.request("GET", path);
    if (status !== 200) throw new Error(`GET ${path} -> ${status}: ${JSON.stringify(json)}`);
    return json as T;
  }

  async waitReady(timeoutMs = 5000): Promise<void> {
    await waitFor(() => this.container.ready(), timeoutMs, "REST endpoint to listen");
  }

  /** The single job of an application cluster. */
  async onlyJobId(): Promise<string> {
    await this.waitReady();
    const { jobs } = await this.get<{ jobs: { id: string }[] }>("/jobs");
    if (jobs.length !== 1) throw new Error(`expected one job, got ${jobs.length}`);
    return jobs[0].id;
  }

  async jobState(jobId: string): Promise<string> {
    return (await this.get<{ status: string }>(`/jobs/${jobId}/status`)).status;
  }

  async waitForState(jobId: string, state: string, timeoutMs = 5000): Promise<void> {
    await this.waitReady(timeoutMs);
    let last = "";
    await waitFor(
      async () => (last = await this.jobState(jobId)) === state,
      timeoutMs,
      `${state} (last ${last})`,
    );
  }

  async counter(jobId: string): Promise<number> {
    const acc = await this.get<{ "user-task-accumulators": { name: string; value: string }[] }>(
      `/jobs/${jobId}/accumulators`,
    );
    return Number(acc["user-task-accumulators"].find((a) => a.name === "counter")!.value);
  }

  /** Polls an async operation until COMPLETED and returns its `operation`. */
  async awaitOperation(path: string, timeoutMs = 5000): Promise<Record<string, unknown>> {
    let result: Record<string, unknown> | undefined;
    await waitFor(
      async () => {
        const json = await this.get<{ status: { id: string }; operation: Record<string, unknown> }>(
          path,
        );
        if (json.status.id !== "COMPLETED") return false;
        result = json.operation;
        return true;
      },
      timeoutMs,
      `operation ${path}`,
    );
    return result!;
  }
}

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    if (await condition()) return;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 15));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A random address in 127.200.0.0/16, so parallel tests never share an address. */
export function randomLoopbackIp(): string {
  const [a, b] = crypto.getRandomValues(new Uint8Array(2));
  return `127.200.${a}.${Math.max(1, b)}`;
}

export function freePort(hostname: string): number {
  const listener = Deno.listen({ hostname, port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Tests never talk to an API server: HA goes to the in-memory store. */
const NO_KUBE = new Proxy({}, {
  get: () => () => Promise.reject(new Error("no API server in unit tests")),
}) as unknown as KubeClient;

/** Process sizes every written configuration gets unless the test says otherwise. */
export const PROCESS_MEMORY: Readonly<Record<string, string>> = {
  "jobmanager.memory.process.size": "1600m",
  "taskmanager.memory.process.size": "1728m",
};

/** Flink's execution-graph and checkpoint-statistics caches off (rest_cache.ts). */
export const UNCACHED: Readonly<Record<string, string>> = { "web.refresh-interval": "0" };

/** The configuration the operator typically gives an application cluster. */
export function appConf(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    "kubernetes.cluster-id": "demo",
    "pipeline.name": "demo-job",
    "execution.shutdown-on-application-finish": false,
    "execution.checkpointing.dir": "file:///flink/checkpoints",
    "execution.checkpointing.savepoint-dir": "file:///flink/savepoints",
    ...extra,
  };
}

/**
 * An application JobManager of cluster `demo` with Kubernetes HA and checkpoints every 40 ms,
 * running job `jobId`, and the checkpoint pointers its HA job ConfigMap holds (once one is there).
 */
export async function startHaCheckpointingJob(
  world: SimWorld,
  jobId: string,
  extraConf: Record<string, unknown> = {},
) {
  const store = world.haStore("demo");
  const jm = await world.start({
    conf: appConf({
      "high-availability.type": "kubernetes",
      "high-availability.storageDir": "file:///flink/ha",
      "$internal.pipeline.job-id": jobId,
      "execution.checkpointing.interval": "40 ms",
      ...extraConf,
    }),
  });
  await jm.waitForState(jobId, "RUNNING");
  const jobMap = jobConfigMapName("demo", jobId);
  const inHa = () =>
    Object.entries(store.maps.get(jobMap)?.data ?? {})
      .filter(([k]) => k.startsWith("checkpointID-")).map(([, v]) => v);
  await waitFor(() => inHa().length > 0, 5000, "a checkpoint in HA");
  return { jm, store, jobMap, inHa };
}
