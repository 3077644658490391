import { getLogger } from "@logtape/logtape";
import type { KubeClient } from "../kube/client.ts";
import { isAlreadyExists, isConflict } from "../kube/errors.ts";
import { type KubeObject, Resources } from "../kube/resource.ts";
import { sleep } from "./backoff.ts";

const log = getLogger(["flinkop", "runtime", "leader"]);

export interface LeaderElectionOptions {
  namespace: string;
  leaseName: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

interface Lease extends KubeObject {
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/**
 * Lease-based leader election with client-go's semantics: another holder's lease counts as
 * expired only after it has stayed unchanged for a full lease duration *as observed locally*
 * (no trust in remote clocks); the leader renews every retry period and gives up leadership as
 * soon as renewing has failed for the renew deadline. `lost` aborts at that moment: the manager
 * stops reconciling at once and exits non-zero, so two leaders never act together.
 */
export class LeaderElector {
  #observed?: string;
  #observedAt = 0;
  #leader = false;
  readonly #lost = new AbortController();

  constructor(private readonly client: KubeClient, private readonly opts: LeaderElectionOptions) {}

  get isLeader(): boolean {
    return this.#leader;
  }

  /** Aborts when leadership, once held, is lost. */
  get lost(): AbortSignal {
    return this.#lost.signal;
  }

  /** Resolves once this instance leads; returns false if the signal aborted first. */
  async acquire(signal: AbortSignal): Promise<boolean> {
    log.info("waiting for leader lease {namespace}/{lease} as {identity}", {
      namespace: this.opts.namespace,
      lease: this.opts.leaseName,
      identity: this.opts.identity,
    });
    while (!signal.aborted) {
      if (await this.#tryAcquireOrRenew()) {
        this.#leader = true;
        log.info("acquired leader lease {lease}", { lease: this.opts.leaseName });
        return true;
      }
      await sleep(this.opts.retryPeriodMs * (1 + Math.random() * 0.2), signal);
    }
    return false;
  }

  /** Renews until the signal aborts (then releases) or renewal fails past the deadline. */
  async keepRenewing(signal: AbortSignal): Promise<void> {
    let lastRenew = Date.now();
    while (!signal.aborted && !this.#lost.signal.aborted) {
      await sleep(this.opts.retryPeriodMs, signal);
      if (signal.aborted) break;
      const remaining = this.opts.renewDeadlineMs - (Date.now() - lastRenew);
      const renewed = await Promise.race([
        this.#tryAcquireOrRenew(),
        sleep(Math.max(0, remaining)).then(() => false),
      ]);
      if (renewed) {
        lastRenew = Date.now();
      } else if (Date.now() - lastRenew >= this.opts.renewDeadlineMs) {
        this.#leader = false;
        log.error("lost leader lease {lease}: not renewed within {ms} ms", {
          lease: this.opts.leaseName,
          ms: this.opts.renewDeadlineMs,
        });
        this.#lost.abort(new Error(`leader lease ${this.opts.leaseName} lost`));
        return;
      }
    }
    if (this.#leader && !this.#lost.signal.aborted) await this.release();
  }

  /** Hands the lease back so a standby takes over without waiting for expiry. */
  async release(): Promise<void> {
    try {
      const lease = await this.client.get<Lease>(
        Resources.leases,
        this.opts.namespace,
        this.opts.leaseName,
      );
      if (lease?.spec?.holderIdentity !== this.opts.identity) return;
      lease.spec = {
        ...lease.spec,
        holderIdentity: "",
        leaseDurationSeconds: 1,
        renewTime: microTime(),
      };
      await this.client.replace(Resources.leases, this.opts.namespace, lease);
      this.#leader = false;
      log.info("released leader lease {lease}", { lease: this.opts.leaseName });
    } catch (err) {
      log.warn("could not release leader lease: {error}", { error: String(err) });
    }
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, leaseName, identity } = this.opts;
    const durationSeconds = Math.ceil(this.opts.leaseDurationMs / 1000);
    const now = microTime();
    try {
      const lease = await this.client.get<Lease>(Resources.leases, namespace, leaseName);
      if (!lease) {
        await this.client.create<Lease>(Resources.leases, namespace, {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { name: leaseName, namespace },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds: durationSeconds,
            acquireTime: now,
            renewTime: now,
            leaseTransitions: 0,
          },
        });
        return true;
      }
      const spec = lease.spec ?? {};
      const record = JSON.stringify(spec);
      if (record !== this.#observed) {
        this.#observed = record;
        this.#observedAt = Date.now();
      }
      const holder = spec.holderIdentity ?? "";
      const heldByOther = holder !== "" && holder !== identity;
      const theirDurationMs = (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
      if (heldByOther && this.#observedAt + theirDurationMs > Date.now()) return false;
      lease.spec = {
        holderIdentity: identity,
        leaseDurationSeconds: durationSeconds,
        acquireTime: holder === identity ? spec.acquireTime : now,
        renewTime: now,
        leaseTransitions: (spec.leaseTransitions ?? 0) + (holder === identity ? 0 : 1),
      };
      const updated = await this.client.replace<Lease>(Resources.leases, namespace, lease);
      this.#observed = JSON.stringify(updated.spec ?? {});
      this.#observedAt = Date.now();
      return true;
    } catch (err) {
      if (!isConflict(err) && !isAlreadyExists(err)) {
        log.warn("leader lease request failed: {error}", { error: String(err) });
      }
      return false;
    }
  }
}

/** Lease times are MicroTime: RFC 3339 with exactly six fractional digits. */
function microTime(d = new Date()): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}
