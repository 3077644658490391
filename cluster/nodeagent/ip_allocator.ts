/**
 * Hands out one loopback address per pod from 127.1.0.1 upward, so several pods can each bind the
 * same port (every JobManager serves REST on :8081). Linux routes all of 127.0.0.0/8 to `lo`, so
 * these addresses need no setup. 127.0.x.x is left alone: 127.0.0.1 is the node (hostIP) and the
 * control plane listens there.
 *
 * Allocation continues after the most recently handed-out address instead of reusing the lowest
 * free one, so an address released by a deleted pod is not given to the next pod at once: clients
 * holding the old pod's address (the operator's REST client, an EndpointSlice not yet updated) then
 * fail to connect rather than silently talk to a different pod.
 */
export class PodAddressAllocator {
  static readonly FIRST = ipToNumber("127.1.0.1");
  static readonly LAST = ipToNumber("127.255.255.254");

  readonly #owners = new Map<number, string>();
  readonly #byOwner = new Map<string, number>();
  #next: number;

  constructor(
    private readonly first = PodAddressAllocator.FIRST,
    private readonly last = PodAddressAllocator.LAST,
  ) {
    this.#next = first;
  }

  /** Allocates a free address for `owner` (a pod uid). Returns its existing one if it has one. */
  allocate(owner: string): string {
    const held = this.addressOf(owner);
    if (held) return held;
    const size = this.last - this.first + 1;
    for (let i = 0; i < size; i++) {
      const candidate = this.#next;
      this.#next = candidate >= this.last ? this.first : candidate + 1;
      if (isUsable(candidate) && !this.#owners.has(candidate)) {
        this.#claim(candidate, owner);
        return numberToIp(candidate);
      }
    }
    throw new Error(
      `no free loopback address left in ${numberToIp(this.first)}-${numberToIp(this.last)}`,
    );
  }

  /**
   * Claims a specific address, e.g. the podIP a pod already reports after a node agent restart.
   * Returns false when the address is outside the pool or held by another owner.
   */
  reserve(ip: string, owner: string): boolean {
    const n = ipToNumber(ip);
    if (Number.isNaN(n) || n < this.first || n > this.last || !isUsable(n)) return false;
    const current = this.#owners.get(n);
    if (current !== undefined) return current === owner;
    if (this.#byOwner.has(owner)) return false;
    this.#claim(n, owner);
    // After an agent restart, continue after the highest address still held, as if it never stopped.
    if (n >= this.#next) this.#next = n >= this.last ? this.first : n + 1;
    return true;
  }

  release(ip: string): void {
    const n = ipToNumber(ip);
    const owner = this.#owners.get(n);
    if (owner === undefined) return;
    this.#owners.delete(n);
    this.#byOwner.delete(owner);
  }

  addressOf(owner: string): string | undefined {
    const n = this.#byOwner.get(owner);
    return n === undefined ? undefined : numberToIp(n);
  }

  #claim(n: number, owner: string): void {
    this.#owners.set(n, owner);
    this.#byOwner.set(owner, n);
  }

  get inUse(): number {
    return this.#owners.size;
  }
}

/** .0 and .255 in the last octet look like network/broadcast addresses to people reading logs. */
function isUsable(n: number): boolean {
  const lastOctet = n & 0xff;
  return lastOctet !== 0 && lastOctet !== 255;
}

export function ipToNumber(ip: string): number {
  const parts = ip.split(".");
  if (parts.length !== 4) return NaN;
  let n = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return NaN;
    const octet = Number(part);
    if (octet > 255) return NaN;
    n = n * 256 + octet;
  }
  return n;
}

export function numberToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join(".");
}
