/**
 * The CRDs' admission rules on the real API server: every object rule of lib/api/rules refuses
 * its examples with a message naming the field and the fix, the API server and the operator's
 * own evaluation agree on every example, FKO-shaped resources pass, and objects stored before
 * the rules stay manageable by the operator.
 */
import assert from "node:assert/strict";
import {
  FLINK_DEPLOYMENT_RULES,
  FLINK_SESSION_JOB_RULES,
  FLINK_STATE_SNAPSHOT_RULES,
  type ObjectRule,
  ruleMessage,
} from "../../lib/api/mod.ts";
import type { KubeClient } from "../../lib/kube/client.ts";
import { isApiError } from "../../lib/kube/errors.ts";
import { type KubeObject, objectPath } from "../../lib/kube/resource.ts";
import {
  dryRunCreate,
  type DryRunResult,
  RESOURCE_OF_KIND,
  withoutAdmissionRules,
} from "../support/admission.ts";
import {
  ACCEPTED_CASES,
  type AdmissionCase,
  application,
  REFUSED_CASES,
  type RuleKind,
} from "../support/admission_cases.ts";
import { integrationTest } from "../support/integration.ts";
import { installCrds } from "../support/operator.ts";

const RULES: Record<RuleKind, readonly ObjectRule[]> = {
  FlinkDeployment: FLINK_DEPLOYMENT_RULES,
  FlinkSessionJob: FLINK_SESSION_JOB_RULES,
  FlinkStateSnapshot: FLINK_STATE_SNAPSHOT_RULES,
};

/** Applies a case: a dry-run create, or a stored (maybe deployed) object and a dry-run update. */
async function apply(
  client: KubeClient,
  ns: string,
  c: AdmissionCase,
  index: number,
): Promise<DryRunResult> {
  const object = structuredClone(c.object) as KubeObject & { spec: Record<string, unknown> };
  if (c.update === undefined) return await dryRunCreate(client, ns, object);
  const type = RESOURCE_OF_KIND[c.kind];
  const name = `stored-${index}`;
  const stored = await client.create<KubeObject>(type, ns, {
    ...object,
    metadata: { name, namespace: ns },
  });
  if (c.deployed) {
    await client.patch(
      type,
      ns,
      name,
      {
        status: {
          reconciliationStatus: {
            lastReconciledSpec: JSON.stringify({ spec: object.spec }),
            state: "DEPLOYED",
          },
        },
      },
      "merge",
      { subresource: "status" },
    );
  }
  const current = (await client.get<KubeObject & { spec: Record<string, unknown> }>(
    type,
    ns,
    name,
  ))!;
  c.update(current.spec);
  try {
    await client.request("PUT", objectPath(type, ns, name), {
      body: current,
      query: { dryRun: "All", fieldValidation: "Strict" },
    });
    return { ok: true };
  } catch (err) {
    if (!isApiError(err)) throw err;
    return { ok: false, status: err.status, message: err.message };
  } finally {
    await client.delete(type, ns, stored.metadata.name!);
  }
}

integrationTest(
  "admission: each object rule refuses its examples on the real API server with the field and the fix",
  async ({ client, ns }) => {
    await installCrds(client);
    const problems: string[] = [];
    for (const [index, c] of REFUSED_CASES.entries()) {
      const rule = RULES[c.kind].find((r) => r.id === c.refusedBy)!;
      const result = await apply(client, ns, c, index);
      if (result.ok) {
        problems.push(`${c.kind} "${c.name}": accepted, expected ${rule.id} to refuse it`);
        continue;
      }
      if (result.status !== 422 || !result.message.includes(ruleMessage(rule))) {
        problems.push(`${c.kind} "${c.name}": ${result.status} ${result.message}`);
      }
      // The API server breaks no other rule than the operator does (same single source).
      for (const other of RULES[c.kind]) {
        if (other.id !== rule.id && result.message.includes(ruleMessage(other))) {
          problems.push(`${c.kind} "${c.name}": also refused by ${other.id}`);
        }
      }
    }
    assert.deepEqual(problems, []);
  },
);

integrationTest(
  "admission: accepted examples (rule edges, updates before deployment, FKO shapes) pass",
  async ({ client, ns }) => {
    await installCrds(client);
    const problems: string[] = [];
    for (const [index, c] of ACCEPTED_CASES.entries()) {
      const result = await apply(client, ns, c, index);
      if (!result.ok) problems.push(`${c.kind} "${c.name}": ${result.status} ${result.message}`);
    }
    assert.deepEqual(problems, []);
  },
);

const FKO_EXAMPLES_ENV = "FLINKOP_FKO_EXAMPLES";

integrationTest(
  `admission: FKO's own examples pass (from $${FKO_EXAMPLES_ENV}, a checkout's examples/)`,
  async ({ client, ns }) => {
    await installCrds(client);
    const dir = Deno.env.get(FKO_EXAMPLES_ENV)!;
    const { parseAllDocuments } = await import("yaml");
    const problems: string[] = [];
    let count = 0;
    for await (const file of walkYaml(dir)) {
      for (const doc of parseAllDocuments(await Deno.readTextFile(file))) {
        const obj = doc.toJS() as KubeObject | null;
        if (!obj || obj.apiVersion !== "flink.apache.org/v1beta1") continue;
        count++;
        const result = await dryRunCreate(client, ns, obj);
        if (!result.ok) problems.push(`${file}: ${result.message}`);
      }
    }
    assert.ok(count >= 10, `only ${count} FKO resources found in ${dir}`);
    assert.deepEqual(problems, []);
  },
  { ignore: !Deno.env.get(FKO_EXAMPLES_ENV) },
);

async function* walkYaml(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) yield* walkYaml(path);
    else if (/\.ya?ml$/.test(entry.name)) yield path;
  }
}

integrationTest(
  "admission: an object stored before the rules keeps getting status and finalizers; changed fields must be valid",
  async ({ client, ns }) => {
    const bad = application("stored-before");
    (bad.spec.job as Record<string, unknown>).parallelism = 0;
    delete bad.spec.serviceAccount;
    await withoutAdmissionRules(client, async () => {
      await client.create(RESOURCE_OF_KIND.FlinkDeployment, ns, {
        ...bad,
        metadata: { name: "stored-before", namespace: ns },
      } as KubeObject);
    });
    const type = RESOURCE_OF_KIND.FlinkDeployment;
    // What the operator writes: status, and a finalizer on the object itself.
    await client.patch(
      type,
      ns,
      "stored-before",
      {
        status: { error: "spec.job.parallelism: must be at least 1; set a positive parallelism" },
      },
      "merge",
      { subresource: "status" },
    );
    await client.patch(type, ns, "stored-before", {
      metadata: { finalizers: ["flinkdeployments.flink.apache.org/finalizer"] },
    });
    // Changes of other fields pass; a change of a refused field must make it valid.
    await client.patch(type, ns, "stored-before", { spec: { image: "flink:1.20.1" } });
    await assert.rejects(
      client.patch(type, ns, "stored-before", { spec: { job: { parallelism: -1 } } }),
      (err: unknown) =>
        isApiError(err, 422) && /spec\.job\.parallelism: must be at least 1/.test(err.message) &&
        !/spec\.serviceAccount/.test(err.message),
    );
    await client.patch(type, ns, "stored-before", {
      metadata: { finalizers: null },
      spec: { serviceAccount: "flink", job: { parallelism: 1 } },
    });
  },
);
