import type { KubeClient } from "../../lib/kube/client.ts";
import { type KubeObject, Resources } from "../../lib/kube/resource.ts";

/**
 * Cluster DNS for real Flink processes, as an /etc/hosts file: there is no DNS server in the
 * local cluster, and a standalone TaskManager finds its JobManager by the Service name FKO puts in
 * `jobmanager.rpc.address` (`<cluster>.<namespace>`). Each Service of the pod's namespace maps to
 * the addresses of the pods it selects, under every name cluster DNS would answer to — the
 * addresses a headless Service's DNS returns, and where a ClusterIP Service would route.
 */

export interface ServiceView {
  name: string;
  selector?: Record<string, string>;
  publishNotReadyAddresses?: boolean;
}

export interface PodView {
  name: string;
  labels: Record<string, string>;
  podIP?: string;
  running: boolean;
  ready: boolean;
  /** Kubelet counts a container without readiness probe as ready once it runs. */
  hasReadinessProbe: boolean;
  deleting: boolean;
}

export interface HostsInput {
  namespace: string;
  services: ServiceView[];
  pods: PodView[];
  /** The pod the file is for: localhost, its name and the machine's hostname resolve to it. */
  self: { name: string; ip: string };
  hostname: string;
}

export const CLUSTER_DOMAIN = "cluster.local";

export function hostsFileText(input: HostsInput): string {
  const { namespace, self } = input;
  // `localhost` is the pod's own address: in a real pod it reaches the pod's own servers (Flink
  // connects to its BlobServer through it), here 127.0.0.1 is every pod's and the node's.
  const lines = [
    "# written by the flinkop node agent (real runtime): the pod's view of cluster DNS",
    `${self.ip}\t${uniq(["localhost", self.name, input.hostname]).join(" ")}`,
    "::1\tip6-localhost ip6-loopback",
  ];
  for (const service of [...input.services].sort((a, b) => a.name.localeCompare(b.name))) {
    const names = [
      service.name,
      `${service.name}.${namespace}`,
      `${service.name}.${namespace}.svc`,
      `${service.name}.${namespace}.svc.${CLUSTER_DOMAIN}`,
    ];
    for (const ip of endpointAddresses(service, input.pods, self)) {
      lines.push(`${ip}\t${names.join(" ")}`);
    }
  }
  return lines.join("\n") + "\n";
}

/** Addresses of the pods a Service selects that would be published: ready first, by name. */
export function endpointAddresses(
  service: ServiceView,
  pods: PodView[],
  self: { name: string; ip: string },
): string[] {
  const selector = service.selector;
  if (!selector || Object.keys(selector).length === 0) return [];
  const matching = pods.filter((p) =>
    !p.deleting && Object.entries(selector).every(([k, v]) => p.labels[k] === v)
  );
  const published = matching.filter((p) =>
    p.name === self.name ||
    (p.podIP && (p.ready || service.publishNotReadyAddresses ||
      (p.running && !p.hasReadinessProbe)))
  );
  published.sort((a, b) => Number(b.ready) - Number(a.ready) || a.name.localeCompare(b.name));
  // The pod itself may not have reported its address yet: it is starting right now.
  return uniq(published.map((p) => p.name === self.name ? self.ip : p.podIP!));
}

function uniq(values: string[]): string[] {
  return [...new Set(values)];
}

interface ServiceObject {
  metadata: { name?: string };
  spec?: { selector?: Record<string, string>; publishNotReadyAddresses?: boolean };
}

interface PodObject {
  metadata: {
    name?: string;
    labels?: Record<string, string>;
    deletionTimestamp?: string;
  };
  spec?: { containers?: { readinessProbe?: unknown }[] };
  status?: { phase?: string; podIP?: string; conditions?: { type: string; status: string }[] };
}

/** Reads the namespace's Services and pods through the node agent's client. */
export async function readHostsInput(
  kube: KubeClient,
  namespace: string,
  self: { name: string; ip: string },
): Promise<HostsInput> {
  const [serviceList, podList] = await Promise.all([
    kube.list<KubeObject>(Resources.services, namespace),
    kube.list<KubeObject>(Resources.pods, namespace),
  ]);
  const services = serviceList.items as unknown as ServiceObject[];
  const pods = podList.items as unknown as PodObject[];
  return {
    namespace,
    self,
    hostname: Deno.hostname(),
    services: services.map((s) => ({
      name: s.metadata.name ?? "",
      selector: s.spec?.selector,
      publishNotReadyAddresses: s.spec?.publishNotReadyAddresses,
    })),
    pods: pods.map((p) => ({
      name: p.metadata.name ?? "",
      labels: p.metadata.labels ?? {},
      podIP: p.status?.podIP,
      running: p.status?.phase === "Running",
      ready: p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false,
      hasReadinessProbe: (p.spec?.containers ?? []).some((c) => c.readinessProbe !== undefined),
      deleting: p.metadata.deletionTimestamp !== undefined,
    })),
  };
}

/**
 * A container's hosts file, kept current while it runs: a replaced JobManager pod has a new
 * address, and its TaskManagers must find it as they would through DNS. Rewritten in place (the
 * file is bind-mounted, so its inode must stay) and only when it changes.
 */
export class ServiceHostsFile {
  #last = "";
  #timer: ReturnType<typeof setInterval> | undefined;
  #refreshing = false;

  constructor(
    readonly path: string,
    private readonly kube: KubeClient,
    private readonly namespace: string,
    private readonly self: { name: string; ip: string },
    private readonly log: (message: string) => void,
  ) {}

  /** Writes the file once (a failed lookup still leaves a file with the pod's own names). */
  async write(): Promise<void> {
    let text: string;
    try {
      text = hostsFileText(await readHostsInput(this.kube, this.namespace, this.self));
    } catch (err) {
      if (this.#last) return; // keep the last good view
      this.log(`cannot read Services for /etc/hosts: ${err instanceof Error ? err.message : err}`);
      text = hostsFileText({
        namespace: this.namespace,
        services: [],
        pods: [],
        self: this.self,
        hostname: Deno.hostname(),
      });
    }
    if (text === this.#last) return;
    await Deno.writeTextFile(this.path, text);
    this.#last = text;
  }

  startRefreshing(intervalMs: number): void {
    this.#timer ??= setInterval(() => {
      if (this.#refreshing) return;
      this.#refreshing = true;
      this.write().catch(() => {}).finally(() => this.#refreshing = false);
    }, intervalMs);
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
