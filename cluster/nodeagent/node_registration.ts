import type { KubeClient } from "../../lib/kube/client.ts";
import { isAlreadyExists, isNotFound } from "../../lib/kube/errors.ts";
import { type KubeObject, Resources } from "../../lib/kube/resource.ts";
import { sleep } from "../../lib/runtime/backoff.ts";
import { exponentialDelay, withJitter } from "./backoff.ts";
import { describeError, type Logger } from "./log.ts";
import { newNode, type NodeCondition, type NodeObject, nodeStatus } from "./node_object.ts";

export interface NodeRegistrationOptions {
  /** Node status (Ready heartbeat) period; kubelet posts every 10 s, the brief asks ~20 s. */
  statusPeriodMs?: number;
  /** Lease renewal period; kubelet renews its kube-node-lease Lease every 10 s. */
  leasePeriodMs?: number;
}

const LEASE_NAMESPACE = "kube-node-lease";
const LEASE_DURATION_SECONDS = 40;

/**
 * Registers the Node object and keeps it alive: the Ready condition's heartbeat every
 * statusPeriodMs, and a Lease in kube-node-lease every leasePeriodMs, which the node lifecycle
 * controller in kube-controller-manager also accepts as a heartbeat. Without either for its grace
 * period (50 s) the controller marks the node NotReady/Unknown and taints it.
 */
export class NodeRegistration {
  readonly #bootId = crypto.randomUUID();
  #conditions: NodeCondition[] = [];
  #nodeUid = "";
  readonly #statusPeriodMs: number;
  readonly #leasePeriodMs: number;

  constructor(
    private readonly kube: KubeClient,
    private readonly nodeName: string,
    private readonly log: Logger,
    opts: NodeRegistrationOptions = {},
  ) {
    this.#statusPeriodMs = opts.statusPeriodMs ?? 20_000;
    this.#leasePeriodMs = opts.leasePeriodMs ?? 10_000;
  }

  /** Creates (or adopts) the Node and posts a Ready status; retries until it succeeds. */
  async register(signal: AbortSignal): Promise<void> {
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        let node = await this.kube.get<NodeObject>(Resources.nodes, undefined, this.nodeName);
        if (!node) {
          try {
            node = await this.kube.create<NodeObject>(
              Resources.nodes,
              undefined,
              newNode(this.nodeName),
            );
            this.log.info(`registered Node ${this.nodeName}`);
          } catch (err) {
            if (!isAlreadyExists(err)) throw err;
            node = await this.kube.get<NodeObject>(Resources.nodes, undefined, this.nodeName);
          }
        } else {
          this.log.info(`adopting existing Node ${this.nodeName}`);
        }
        this.#nodeUid = node?.metadata.uid ?? "";
        this.#conditions = node?.status?.conditions ?? [];
        await this.#postStatus();
        await this.#renewLease().catch((err) =>
          this.log.warn(`node lease not renewed: ${describeError(err)}`)
        );
        return;
      } catch (err) {
        const delay = withJitter(exponentialDelay(attempt, 500, 10_000));
        this.log.warn(
          `registering Node ${this.nodeName} failed (${
            describeError(err)
          }); retrying in ${delay} ms`,
        );
        await sleep(delay, signal);
      }
    }
  }

  /** Posts heartbeats until the signal aborts; never rejects. */
  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([
      this.#loop(signal, this.#statusPeriodMs, "node status", () => this.#postStatus()),
      this.#loop(signal, this.#leasePeriodMs, "node lease", () => this.#renewLease()),
    ]);
  }

  async #loop(signal: AbortSignal, periodMs: number, what: string, beat: () => Promise<void>) {
    let failing = false;
    while (!signal.aborted) {
      await sleep(failing ? Math.min(periodMs, 2_000) : periodMs, signal);
      if (signal.aborted) return;
      try {
        await beat();
        if (failing) this.log.info(`${what} heartbeat recovered`);
        failing = false;
      } catch (err) {
        if (!failing) this.log.warn(`${what} heartbeat failed: ${describeError(err)}`);
        failing = true;
      }
    }
  }

  async #postStatus(): Promise<void> {
    const status = nodeStatus({
      nodeName: this.nodeName,
      now: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
      previous: this.#conditions,
      bootId: this.#bootId,
    });
    try {
      const node = await this.kube.patch<NodeObject>(
        Resources.nodes,
        undefined,
        this.nodeName,
        { status },
        "strategic",
        {
          subresource: "status",
        },
      );
      this.#conditions = node.status?.conditions ?? status?.conditions ?? [];
    } catch (err) {
      // Someone deleted the Node (e.g. a test): register it again, as kubelet would on restart.
      if (!isNotFound(err)) throw err;
      this.log.warn(`Node ${this.nodeName} disappeared; registering it again`);
      const node = await this.kube.create<NodeObject>(
        Resources.nodes,
        undefined,
        newNode(this.nodeName),
      );
      this.#nodeUid = node.metadata.uid ?? "";
      this.#conditions = [];
      await this.#postStatus();
    }
  }

  async #renewLease(): Promise<void> {
    const renewTime = new Date().toISOString().replace(/Z$/, "000Z");
    const spec = {
      holderIdentity: this.nodeName,
      leaseDurationSeconds: LEASE_DURATION_SECONDS,
      renewTime,
    };
    try {
      await this.kube.patch(Resources.leases, LEASE_NAMESPACE, this.nodeName, { spec }, "merge");
    } catch (err) {
      if (!isNotFound(err)) throw err;
      const lease: KubeObject = {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: {
          name: this.nodeName,
          namespace: LEASE_NAMESPACE,
          // Owned by the Node, so garbage collection removes it with the Node (as kubelet does).
          ownerReferences: this.#nodeUid
            ? [{ apiVersion: "v1", kind: "Node", name: this.nodeName, uid: this.#nodeUid }]
            : undefined,
        },
        spec,
      };
      await this.kube.create(Resources.leases, LEASE_NAMESPACE, lease);
    }
  }
}
