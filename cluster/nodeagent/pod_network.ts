import { ipToNumber, numberToIp, PodAddressAllocator } from "./ip_allocator.ts";
import { describeError, type Logger } from "./log.ts";

/**
 * Where pod addresses come from.
 *
 * The default is the loopback pool (127.1.0.1 upward): Linux routes all of 127.0.0.0/8 to `lo`, so
 * it needs no privileges. Its limit: Kubernetes refuses loopback addresses in Endpoints and
 * EndpointSlices (ValidateEndpointIP), so the endpointslice controller cannot publish these pods
 * and Services have no endpoints.
 *
 * With a pod CIDR such as 10.244.0.0/16 pods get ordinary addresses that EndpointSlices accept. They
 * only work once the whole range is local, which one privileged command does ("AnyIP"):
 *   ip route replace local 10.244.0.0/16 dev lo
 * The agent runs it itself when allowed to (--install-pod-route, needs CAP_NET_ADMIN), else it
 * checks that someone did and refuses to start otherwise.
 */
export interface PodNetworkOptions {
  /** undefined = the loopback pool. */
  cidr?: string;
  installRoute: boolean;
  log: Logger;
}

export const LOOPBACK_POOL = "127.1.0.1-127.255.255.254";

export interface Cidr {
  text: string;
  network: number;
  prefix: number;
  /** First and last host address (network and broadcast excluded). */
  first: number;
  last: number;
}

export function parseCidr(text: string): Cidr {
  const match = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(text.trim());
  const base = match ? ipToNumber(match[1]) : NaN;
  const prefix = match ? Number(match[2]) : NaN;
  if (Number.isNaN(base) || !(prefix >= 8 && prefix <= 30)) {
    throw new Error(`invalid pod CIDR "${text}": expected an IPv4 CIDR with a /8 to /30 prefix`);
  }
  const size = 2 ** (32 - prefix);
  const network = Math.floor(base / size) * size;
  return {
    text: `${numberToIp(network)}/${prefix}`,
    network,
    prefix,
    first: network + 1,
    last: network + size - 2,
  };
}

/** Builds the address allocator, making sure its addresses can actually be bound here. */
export async function preparePodNetwork(opts: PodNetworkOptions): Promise<PodAddressAllocator> {
  if (!opts.cidr) {
    opts.log.info(
      `pod network: loopback pool ${LOOPBACK_POOL} (not publishable in EndpointSlices)`,
    );
    return new PodAddressAllocator();
  }
  const cidr = parseCidr(opts.cidr);
  const probe = numberToIp(cidr.first);
  if (!canBind(probe)) {
    if (!opts.installRoute) {
      throw new Error(
        `pod CIDR ${cidr.text} is not local to this machine (cannot bind ${probe}); run once as root: ` +
          `ip route replace local ${cidr.text} dev lo   (or pass --install-pod-route to a privileged agent, ` +
          `or drop --pod-cidr to use loopback addresses)`,
      );
    }
    await installLocalRoute(cidr.text);
    opts.log.info(`pod network: installed local route for ${cidr.text} on lo`);
    if (!canBind(probe)) {
      throw new Error(`pod CIDR ${cidr.text} still not bindable after installing the route`);
    }
  }
  opts.log.info(`pod network: ${cidr.text} (${numberToIp(cidr.first)}-${numberToIp(cidr.last)})`);
  return new PodAddressAllocator(cidr.first, cidr.last);
}

function canBind(address: string): boolean {
  try {
    Deno.listen({ hostname: address, port: 0 }).close();
    return true;
  } catch {
    return false;
  }
}

async function installLocalRoute(cidr: string): Promise<void> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command("ip", {
      args: ["route", "replace", "local", cidr, "dev", "lo"],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (err) {
    throw new Error(`cannot run "ip route" to make ${cidr} local: ${describeError(err)}`);
  }
  if (!output.success) {
    const stderr = new TextDecoder().decode(output.stderr).trim();
    throw new Error(
      `"ip route replace local ${cidr} dev lo" failed: ${stderr} (needs CAP_NET_ADMIN)`,
    );
  }
}
