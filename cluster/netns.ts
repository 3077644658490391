/**
 * Linux network namespaces for the local cluster. `deno task test` runs the cluster and the tests
 * inside a namespace of their own (tests/run.ts), where the pod CIDR can be made local ("AnyIP":
 * `ip route replace local <cidr> dev lo`) without touching the host's routes. Pods then get
 * ordinary addresses that EndpointSlices accept and the API server proxies to.
 */

/** The range pods get inside the test namespace; nothing outside that namespace routes it. */
export const TEST_POD_CIDR = "10.244.0.0/16";

/** Name of the namespace `deno task test` creates (`ip netns add`), unless overridden. */
export const DEFAULT_TEST_NETNS = "flinkop-test";

/** The network namespace this process runs in, as the kernel names it (`net:[4026531840]`). */
export function currentNetns(): string | undefined {
  return netnsOfPid("self");
}

/** The network namespace of a process, or undefined when /proc does not tell us (gone, denied). */
export function netnsOfPid(pid: number | "self"): string | undefined {
  try {
    return Deno.readLinkSync(`/proc/${pid}/ns/net`);
  } catch {
    return undefined;
  }
}

/** The namespace `ip netns add <name>` created, by its bind mount; undefined when absent. */
export function namedNetnsId(name: string): string | undefined {
  try {
    const info = Deno.statSync(`/run/netns/${name}`);
    return info.ino === null ? undefined : `net:[${info.ino}]`;
  } catch {
    return undefined;
  }
}

export class NetnsUnavailableError extends Error {
  override name = "NetnsUnavailableError";
}

/**
 * Creates the named namespace if needed (reusing it keeps a running test cluster usable across
 * runs), brings its loopback up and makes `podCidr` local inside it. Every command runs through
 * `ip netns exec`, so the route exists in that namespace only. Throws NetnsUnavailableError with
 * the reason when this process may not create namespaces (not root, no CAP_SYS_ADMIN/NET_ADMIN).
 */
export async function ensureNetns(name: string, podCidr: string): Promise<void> {
  if (!validNetnsName(name)) {
    throw new NetnsUnavailableError(`invalid network namespace name ${JSON.stringify(name)}`);
  }
  if (!namedNetnsId(name)) {
    await ip(["netns", "add", name], `create network namespace ${name}`);
  }
  await ip(["netns", "exec", name, "ip", "link", "set", "lo", "up"], `bring up lo in ${name}`);
  await ip(
    ["netns", "exec", name, "ip", "route", "replace", "local", podCidr, "dev", "lo"],
    `make ${podCidr} local in ${name}`,
  );
}

/** Removes the named namespace (its processes keep it alive until they exit). */
export async function deleteNetns(name: string): Promise<void> {
  if (!namedNetnsId(name)) return;
  await ip(["netns", "delete", name], `delete network namespace ${name}`);
}

/** The command that runs `argv` inside the named namespace. */
export function inNetns(name: string, argv: string[]): string[] {
  return ["ip", "netns", "exec", name, ...argv];
}

function validNetnsName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(name);
}

async function ip(args: string[], what: string): Promise<void> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command("ip", {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (err) {
    throw new NetnsUnavailableError(
      `cannot ${what}: "ip" (iproute2) could not be run: ${
        err instanceof Error ? err.message : err
      }`,
    );
  }
  if (!output.success) {
    const stderr = new TextDecoder().decode(output.stderr).trim();
    throw new NetnsUnavailableError(`cannot ${what}: ip ${args.join(" ")}: ${stderr}`);
  }
}

/**
 * A namespace id for people: its `ip netns` name when it has one, "the host network namespace"
 * when it is init's, else the kernel id.
 */
export function describeNetns(id: string): string {
  if (id === netnsOfPid(1)) return `the host network namespace (${id})`;
  try {
    for (const entry of Deno.readDirSync("/run/netns")) {
      if (namedNetnsId(entry.name) === id) return `network namespace ${entry.name} (${id})`;
    }
  } catch {
    // no named namespaces
  }
  return `network namespace ${id}`;
}
