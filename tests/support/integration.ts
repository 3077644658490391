/**
 * `integrationTest(name, fn)`: a Deno test that gets an admin client and a fresh namespace on the
 * shared local cluster (see tests/support/cluster.ts), both cleaned up afterwards.
 */
import type { KubeClient } from "../../lib/kube/client.ts";
import { freshNamespace } from "./cluster.ts";

export { restartApiServer, waitFor } from "./cluster.ts";

export interface IntegrationContext {
  client: KubeClient;
  /** Name of a namespace created for this test and deleted after it. */
  ns: string;
  t: Deno.TestContext;
}

export function integrationTest(
  name: string,
  fn: (ctx: IntegrationContext) => Promise<void>,
  options: Omit<Deno.TestDefinition, "name" | "fn"> = {},
): void {
  Deno.test({
    ...options,
    name,
    async fn(t) {
      await using namespace = await freshNamespace(name);
      await fn({ client: namespace.client, ns: namespace.name, t });
    },
  });
}
