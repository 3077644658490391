/**
 * Whether this operator instance manages FlinkStateSnapshot resources. FKO decides it once at
 * start: the snapshot controller runs only if `kubernetes.operator.snapshot.resource.enabled` and
 * the CRD is installed, and without the controller the job controllers fall back to the legacy
 * status fields (the option is then forced off for every resource). The job controllers get the
 * answer in their environment (`JobEnv.snapshotResources`).
 */
import type { KubeClient } from "../../kube/client.ts";
import { isForbidden, isNotFound } from "../../kube/errors.ts";
import { Resources } from "../../kube/resource.ts";
import { FLINK_API_VERSION, FLINK_STATE_SNAPSHOT_NAMES } from "../../api/kinds.ts";

/**
 * Asks API discovery whether `flinkstatesnapshots` is served. Discovery is readable by every
 * authenticated user, unlike the CustomResourceDefinition objects themselves; those are only
 * consulted when discovery does not list the resource yet (a CRD created moments ago), and only
 * where the operator may read them.
 */
export async function snapshotCrdServed(
  client: Pick<KubeClient, "request" | "get">,
): Promise<boolean> {
  try {
    const group = await client.request<{ resources?: { name?: string }[] }>(
      "GET",
      `/apis/${FLINK_API_VERSION}`,
    );
    if ((group?.resources ?? []).some((r) => r.name === FLINK_STATE_SNAPSHOT_NAMES.plural)) {
      return true;
    }
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  try {
    const crdName = `${FLINK_STATE_SNAPSHOT_NAMES.plural}.${FLINK_STATE_SNAPSHOT_NAMES.group}`;
    return (await client.get(Resources.crds, undefined, crdName)) !== undefined;
  } catch (err) {
    if (isForbidden(err)) return false;
    throw err;
  }
}
