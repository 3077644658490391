/**
 * Test doubles for node agent unit tests: a scriptable container runtime, an in-memory
 * ConfigMap/Secret source, and an AgentContext wired to them.
 */
import type { KubeClient } from "../../lib/kube/client.ts";
import type { ConfigSource } from "../../cluster/nodeagent/config_source.ts";
import type { EventSink, PodEvent } from "../../cluster/nodeagent/event_recorder.ts";
import { PodAddressAllocator } from "../../cluster/nodeagent/ip_allocator.ts";
import { silentLogger } from "../../cluster/nodeagent/log.ts";
import type { ConfigMap, Pod, PodStatus, Secret } from "../../cluster/nodeagent/pod_types.ts";
import type { AgentContext } from "../../cluster/nodeagent/pod_worker.ts";
import type {
  ContainerExit,
  ContainerRuntime,
  ContainerSpec,
  RunningContainer,
} from "../../cluster/nodeagent/runtime.ts";
import { SharedTicker } from "../../cluster/nodeagent/shared_ticker.ts";
import { StateLayout } from "../../cluster/nodeagent/state_layout.ts";
import type { StatusSubject } from "../../cluster/nodeagent/status_writer.ts";

export class FakeContainer implements RunningContainer {
  readonly #exit = Promise.withResolvers<ContainerExit>();
  readonly exited = this.#exit.promise;
  isReady = true;
  ended = false;
  terminateCalls = 0;
  /** When false, terminate() is ignored (a process that does not handle SIGTERM). */
  honoursTerminate = true;

  constructor(readonly spec: ContainerSpec) {}

  ready(): boolean {
    return this.isReady;
  }

  terminate(): void {
    this.terminateCalls++;
    if (this.honoursTerminate) this.exit({ exitCode: 143, reason: "Error" });
  }

  kill(): void {
    this.exit({ exitCode: 137, reason: "Error" });
  }

  exit(exit: ContainerExit): void {
    if (this.ended) return;
    this.ended = true;
    this.#exit.resolve(exit);
  }
}

/** Accepts images starting with "flink"; onStart may script each container's behaviour. */
export class FakeRuntime implements ContainerRuntime {
  readonly name = "fake";
  readonly started: FakeContainer[] = [];
  onStart: (container: FakeContainer) => void = () => {};

  accepts(image: string): boolean {
    return image.startsWith("flink");
  }

  start(spec: ContainerSpec): Promise<RunningContainer> {
    const container = new FakeContainer(spec);
    this.started.push(container);
    queueMicrotask(() => this.onStart(container));
    return Promise.resolve(container);
  }

  running(name?: string): FakeContainer[] {
    return this.started.filter((c) => !c.ended && (!name || c.spec.containerName === name));
  }
}

export class MemoryConfigSource implements ConfigSource {
  readonly configMaps = new Map<string, ConfigMap>();
  readonly secrets = new Map<string, Secret>();

  configMap(namespace: string, name: string): Promise<ConfigMap | undefined> {
    return Promise.resolve(this.configMaps.get(`${namespace}/${name}`));
  }

  secret(namespace: string, name: string): Promise<Secret | undefined> {
    return Promise.resolve(this.secrets.get(`${namespace}/${name}`));
  }

  addConfigMap(namespace: string, name: string, data: Record<string, string>): void {
    this.configMaps.set(`${namespace}/${name}`, { metadata: { name, namespace }, data });
  }

  addSecret(namespace: string, name: string, plain: Record<string, string>): void {
    const data = Object.fromEntries(Object.entries(plain).map(([k, v]) => [k, btoa(v)]));
    this.secrets.set(`${namespace}/${name}`, { metadata: { name, namespace }, data });
  }
}

export class RecordingEvents implements EventSink {
  readonly events: PodEvent[] = [];
  record(_pod: Pod, event: PodEvent): void {
    this.events.push(event);
  }
  forget(): void {}
  reasons(): string[] {
    return this.events.map((e) => e.reason);
  }
}

/** Computes status synchronously on every change, so tests can read the latest one. */
export class RecordingStatus {
  readonly latest = new Map<string, PodStatus>();
  readonly forgotten: string[] = [];
  markDirty(subject: StatusSubject): void {
    const status = subject.compute();
    if (status) this.latest.set(subject.uid, structuredClone(status));
  }
  forget(uid: string): void {
    this.forgotten.push(uid);
  }
}

export interface FakeKubeCalls {
  deletes: { namespace?: string; name: string; opts: unknown }[];
}

export function fakeKube(calls: FakeKubeCalls): KubeClient {
  return {
    delete: (_type: unknown, namespace: string | undefined, name: string, opts: unknown) => {
      calls.deletes.push({ namespace, name, opts });
      return Promise.resolve(true);
    },
  } as unknown as KubeClient;
}

export interface TestContext {
  ctx: AgentContext;
  runtime: FakeRuntime;
  config: MemoryConfigSource;
  events: RecordingEvents;
  status: RecordingStatus;
  kubeCalls: FakeKubeCalls;
  stateDir: string;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function testContext(): Promise<TestContext> {
  const stateDir = await Deno.makeTempDir({ prefix: "nodeagent-test-" });
  const runtime = new FakeRuntime();
  const config = new MemoryConfigSource();
  const events = new RecordingEvents();
  const status = new RecordingStatus();
  const kubeCalls: FakeKubeCalls = { deletes: [] };
  const ticker = new SharedTicker(10);
  const ctx: AgentContext = {
    kube: fakeKube(kubeCalls),
    nodeName: "test-node",
    layout: new StateLayout(stateDir),
    runtimes: [runtime],
    ips: new PodAddressAllocator(),
    ticker,
    events,
    statusWriter: status,
    annotationsOf: (pod) => pod.metadata.annotations ?? {},
    configSource: config,
    log: silentLogger,
    crashBackoff: { baseMs: 40, maxMs: 1000 },
    configRetry: { baseMs: 20, maxMs: 100 },
    echoContainerLogs: false,
  };
  return {
    ctx,
    runtime,
    config,
    events,
    status,
    kubeCalls,
    stateDir,
    async [Symbol.asyncDispose]() {
      ticker.stop();
      await Deno.remove(stateDir, { recursive: true }).catch(() => {});
    },
  };
}

let podCounter = 0;

export function testPod(spec: Partial<Pod["spec"]> = {}, meta: Partial<Pod["metadata"]> = {}): Pod {
  const n = ++podCounter;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `pod-${n}`, namespace: "ns", uid: `uid-${n}`, ...meta },
    spec: {
      nodeName: "test-node",
      containers: [{ name: "main", image: "flink:1.20" }],
      ...spec,
    },
  };
}

/** Polls until fn returns truthy (or throws after timeoutMs). */
export async function eventually<T>(
  what: string,
  fn: () => T | undefined | false,
  timeoutMs = 3000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const value = fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
