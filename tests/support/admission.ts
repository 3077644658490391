/**
 * Helpers around the CRDs' admission rules (CEL validations generated from lib/api/rules).
 *
 * `withoutAdmissionRules` installs the CRDs without their rules for the length of `fn`, then
 * the full CRDs again: what a cluster whose CRDs were installed by others (or an older chart)
 * looks like. Tests of the operator's own validation use it to store objects the API server
 * would otherwise refuse. Integration test files run one after the other in one process, so no
 * other test sees the rule-less CRDs.
 */
import { allCrds, type CustomResourceDefinition } from "../../lib/api/mod.ts";
import { createOrReplace } from "../../lib/flink/cluster_ops.ts";
import {
  FlinkDeployments,
  FlinkSessionJobs,
  FlinkStateSnapshots,
} from "../../lib/flink/resources.ts";
import type { KubeClient } from "../../lib/kube/client.ts";
import { isApiError } from "../../lib/kube/errors.ts";
import {
  collectionPath,
  type KubeObject,
  Resources,
  type ResourceType,
} from "../../lib/kube/resource.ts";
import { waitFor } from "./cluster.ts";
import { installCrds } from "./operator.ts";

export const RESOURCE_OF_KIND: Record<string, ResourceType> = {
  FlinkDeployment: FlinkDeployments,
  FlinkSessionJob: FlinkSessionJobs,
  FlinkStateSnapshot: FlinkStateSnapshots,
};

export type DryRunResult = { ok: true } | { ok: false; status: number; message: string };

/** Creates `obj` with `dryRun=All` (and strict field validation unless told otherwise). */
export async function dryRunCreate(
  client: KubeClient,
  namespace: string,
  obj: KubeObject,
  opts: { strict?: boolean } = {},
): Promise<DryRunResult> {
  const type = RESOURCE_OF_KIND[obj.kind!];
  try {
    await client.request("POST", collectionPath(type, namespace), {
      body: { ...obj, metadata: { ...obj.metadata, namespace } },
      query: { dryRun: "All", fieldValidation: opts.strict === false ? undefined : "Strict" },
    });
    return { ok: true };
  } catch (err) {
    if (!isApiError(err)) throw err;
    return { ok: false, status: err.status, message: err.message };
  }
}

/** Objects each CRD's rules refuse, used to see whether the rules are in force. */
function probes(): KubeObject[] {
  const meta = { name: "admission-probe" };
  return [
    { apiVersion: "flink.apache.org/v1beta1", kind: "FlinkDeployment", metadata: meta, spec: {} },
    { apiVersion: "flink.apache.org/v1beta1", kind: "FlinkSessionJob", metadata: meta, spec: {} },
    {
      apiVersion: "flink.apache.org/v1beta1",
      kind: "FlinkStateSnapshot",
      metadata: meta,
      spec: { savepoint: {}, checkpoint: {} },
    },
  ];
}

async function rulesInForce(client: KubeClient, expected: boolean): Promise<boolean> {
  for (const probe of probes()) {
    const result = await dryRunCreate(client, "default", probe);
    if (result.ok === expected) return false;
  }
  return true;
}

async function install(
  client: KubeClient,
  crds: CustomResourceDefinition[],
  rules: boolean,
): Promise<void> {
  for (const crd of crds) {
    await createOrReplace(client, Resources.crds, crd as unknown as KubeObject);
  }
  // A CRD update takes effect a moment later; wait until every kind behaves accordingly.
  await waitFor(
    rules ? "the admission rules to be back" : "the CRDs without admission rules",
    () => rulesInForce(client, rules),
    { timeoutMs: 30_000, intervalMs: 100 },
  );
}

/** Runs `fn` while the CRDs have no admission rules; restores the full CRDs afterwards. */
export async function withoutAdmissionRules<T>(
  client: KubeClient,
  fn: () => Promise<T>,
): Promise<T> {
  await installCrds(client);
  await install(client, allCrds({ rules: false }), false);
  try {
    return await fn();
  } finally {
    await install(client, allCrds(), true);
  }
}
