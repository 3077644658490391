/**
 * Prints this process's RSS in kB after loading one thing, so runtime.list-watch-10k can say how
 * much of the operator process's memory is Deno itself and how much the Kubernetes client library
 * costs before any object is cached:
 *
 *   deno run -A bench/rss_probe.ts bare|client-node
 */
import { readMemory } from "./proc_status.ts";

if (import.meta.main) {
  if (Deno.args[0] === "client-node") {
    // lib/kube/client.ts imports KubeConfig from it; loading the package is the cost.
    const { KubeConfig } = await import("@kubernetes/client-node");
    new KubeConfig();
  }
  console.log(readMemory().rssKb);
}
