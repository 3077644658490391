/**
 * Which pod network the test cluster has. `deno task test` run as root puts the cluster in a
 * network namespace whose pod CIDR is local (tests/run.ts), so pods have addresses that
 * EndpointSlices carry and the API server proxies to. Elsewhere pods live on loopback addresses
 * and the tests that need a real pod network are ignored.
 */
import { testStateDir } from "./cluster.ts";

/** Set by tests/run.ts for the integration tests: the cluster's pod CIDR, empty for loopback. */
export const TEST_POD_CIDR_ENV = "FLINKOP_TEST_POD_CIDR";

/**
 * The test cluster's pod CIDR, or undefined when its pods live on loopback addresses (or no
 * cluster runs yet). Synchronous, for `Deno.test({ ignore })`: a file run on its own reads the
 * cluster's cluster.json.
 */
export function testPodCidr(): string | undefined {
  const fromEnv = Deno.env.get(TEST_POD_CIDR_ENV);
  if (fromEnv !== undefined) return fromEnv || undefined;
  try {
    const state = JSON.parse(Deno.readTextFileSync(`${testStateDir()}/cluster.json`)) as {
      podCidr?: unknown;
    };
    return typeof state.podCidr === "string" ? state.podCidr : undefined;
  } catch {
    return undefined;
  }
}
