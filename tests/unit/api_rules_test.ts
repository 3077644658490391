import assert from "node:assert/strict";
import {
  allCrds,
  FLINK_DEPLOYMENT_RULES,
  FLINK_SESSION_JOB_RULES,
  FLINK_STATE_SNAPSHOT_RULES,
  type JsonSchemaProps,
  type ObjectRule,
  parseApiObject,
  ruleMessage,
  ruleViolations,
} from "../../lib/api/mod.ts";
import { FlinkDeploymentSchema } from "../../lib/api/flink_deployment.ts";
import { FlinkSessionJobSchema } from "../../lib/api/flink_session_job.ts";
import { FlinkStateSnapshotSchema } from "../../lib/api/flink_state_snapshot.ts";
import {
  and,
  compareQuantity,
  evaluate,
  has,
  isQuantity,
  MEMORY_SIZE_PATTERN,
  not,
  oldValue,
  or,
  str,
  toCel,
  value,
  valueOr,
} from "../../lib/api/rules/mod.ts";
import { parseMemorySize } from "../../lib/config/memory_size.ts";
import {
  ACCEPTED_CASES,
  type AdmissionCase,
  REFUSED_CASES,
  type RuleKind,
} from "../support/admission_cases.ts";

const RULES: Record<RuleKind, readonly ObjectRule[]> = {
  FlinkDeployment: FLINK_DEPLOYMENT_RULES,
  FlinkSessionJob: FLINK_SESSION_JOB_RULES,
  FlinkStateSnapshot: FLINK_STATE_SNAPSHOT_RULES,
};

const SCHEMAS = {
  FlinkDeployment: FlinkDeploymentSchema,
  FlinkSessionJob: FlinkSessionJobSchema,
  FlinkStateSnapshot: FlinkStateSnapshotSchema,
};

/** The rules a case breaks, as the operator evaluates them: on the raw or the parsed object. */
function violated(c: AdmissionCase, parsed: boolean): string[] {
  const read = (doc: unknown) =>
    parsed ? parseApiObject(SCHEMAS[c.kind], doc, c.name) as { spec: unknown } : doc;
  const stored = read(c.object) as { spec: unknown };
  let current: unknown = stored;
  if (c.update) {
    const next = structuredClone(c.object);
    c.update(next.spec);
    current = read(next);
  }
  const previous = c.update && c.deployed ? stored.spec : undefined;
  return [...new Set(ruleViolations(RULES[c.kind], current, previous).map((v) => v.rule.id))];
}

for (const c of REFUSED_CASES) {
  Deno.test(`object rules: ${c.kind} ${c.name} is refused by ${c.refusedBy} only`, () => {
    assert.deepEqual(violated(c, false), [c.refusedBy]);
    // Java defaults filled in by the operator's read change nothing.
    assert.deepEqual(violated(c, true), [c.refusedBy]);
  });
}

for (const c of ACCEPTED_CASES) {
  Deno.test(`object rules: ${c.kind} ${c.name} is accepted`, () => {
    assert.deepEqual(violated(c, false), []);
    assert.deepEqual(violated(c, true), []);
  });
}

Deno.test("object rules: every rule of every kind has a refused example", () => {
  for (const [kind, rules] of Object.entries(RULES)) {
    for (const rule of rules) {
      assert.ok(
        REFUSED_CASES.some((c) => c.kind === kind && c.refusedBy === rule.id),
        `${kind}: no refused example for ${rule.id}`,
      );
    }
  }
});

Deno.test("object rules: ids are unique per kind, messages name the field and the fix", () => {
  for (const rules of Object.values(RULES)) {
    assert.equal(new Set(rules.map((r) => r.id)).size, rules.length);
    for (const rule of rules) {
      assert.match(rule.field, /^(metadata|spec)(\.|$)/, rule.id);
      assert.equal(ruleMessage(rule), `${rule.field}: ${rule.problem}; ${rule.fix}`);
      assert.ok(rule.problem.length > 0 && rule.fix.length > 0, rule.id);
      assert.ok(!rule.problem.includes(";"), `${rule.id}: one "; " separates problem and fix`);
    }
  }
});

Deno.test("object rules: each is one CEL validation of its CRD node, or none without rules", () => {
  const crds = Object.fromEntries(allCrds().map((crd) => [crd.spec.names.kind, crd]));
  for (const [kind, rules] of Object.entries(RULES)) {
    const root = crds[kind].spec.versions[0].schema.openAPIV3Schema;
    const found = collectValidations(root);
    assert.equal(found.length, rules.length, kind);
    for (const rule of rules) {
      let node: JsonSchemaProps | undefined = root;
      for (const key of rule.at) node = node?.properties?.[key];
      const entries = (node?.["x-kubernetes-validations"] ?? []).filter((v) =>
        v.message === ruleMessage(rule) && v.rule.endsWith(toCel(rule.valid))
      );
      assert.equal(entries.length, 1, `${kind} ${rule.id} at ${rule.at.join(".")}`);
      const [entry] = entries;
      if (rule.when === "creation") {
        assert.equal(entry.rule, `oldSelf.hasValue() || ${toCel(rule.valid)}`);
      } else if (rule.when === "deployed") {
        assert.equal(
          entry.rule,
          "!has(oldSelf.status) || !has(oldSelf.status.reconciliationStatus) || " +
            `!has(oldSelf.status.reconciliationStatus.lastReconciledSpec) || ${toCel(rule.valid)}`,
        );
      } else if (kind !== "FlinkStateSnapshot" && rule.at.join(".") === "spec") {
        // flinkConfiguration is free-form: Kubernetes does not ratchet the spec node, the
        // rule does (it passes while its own inputs are unchanged).
        assert.equal(entry.optionalOldSelf, true, rule.id);
        assert.ok(entry.rule.startsWith("(oldSelf.hasValue() && "), rule.id);
      } else {
        assert.equal(entry.rule, toCel(rule.valid), rule.id);
      }
    }
  }
  for (const crd of allCrds({ rules: false })) {
    assert.deepEqual(collectValidations(crd.spec.versions[0].schema.openAPIV3Schema), []);
  }
});

function collectValidations(node: JsonSchemaProps): unknown[] {
  const found: unknown[] = [...(node["x-kubernetes-validations"] ?? [])];
  for (const child of Object.values(node.properties ?? {})) {
    found.push(...collectValidations(child));
  }
  if (node.additionalProperties) found.push(...collectValidations(node.additionalProperties));
  if (node.items) found.push(...collectValidations(node.items));
  return found;
}

Deno.test("object rules: field paths point at the reported field", () => {
  const fd = allCrds().find((crd) => crd.spec.names.kind === "FlinkDeployment")!;
  const spec = fd.spec.versions[0].schema.openAPIV3Schema.properties!.spec;
  const byMessage = (prefix: string) =>
    collectValidations(spec).find((v) => (v as { message: string }).message.startsWith(prefix)) as {
      fieldPath?: string;
      optionalOldSelf?: boolean;
    };
  assert.equal(byMessage("spec.job.parallelism:").fieldPath, ".job.parallelism");
  assert.equal(
    byMessage("spec.jobManager.resources.requests.cpu:").fieldPath,
    ".requests['cpu']",
  );
  const root = fd.spec.versions[0].schema.openAPIV3Schema["x-kubernetes-validations"]!;
  const name = root.find((v) => v.message.startsWith("metadata.name:"))!;
  // metadata has no declared properties, so the API server reports the root; and the rule
  // only applies on creation.
  assert.equal(name.fieldPath, undefined);
  assert.equal(name.optionalOldSelf, true);
});

Deno.test("CEL: presence guards, defaults, quantities and transitions", () => {
  assert.equal(
    toCel(or(not(has("job")), has("taskManager", "replicas"))),
    "(!has(self.job) || (has(self.taskManager) && has(self.taskManager.replicas)))",
  );
  assert.equal(
    toCel(valueOr(["mode"], str("native"))),
    "(has(self.mode) ? self.mode : 'native')",
  );
  assert.equal(
    toCel(and(isQuantity(value("e")), compareQuantity(value("e"), ">=", str("0")))),
    "(isQuantity(self.e) && !quantity(self.e).isLessThan(quantity('0')))",
  );
  // int-or-string values are converted first; string fields are not (CEL's cost estimate).
  assert.equal(toCel(isQuantity(value("q"), true)), "isQuantity(string(self.q))");
  assert.equal(toCel(oldValue("spec", "mode")), "oldSelf.spec.mode");
  assert.equal(toCel(value("namespace")), "self.__namespace__");
  assert.equal(toCel(str("it's")), "'it\\'s'");
});

Deno.test("evaluation: a missing value is an error, as in CEL, and refuses the object", () => {
  assert.throws(() => evaluate(value("a", "b"), { self: { a: {} } }), /no such key: b/);
  const rule: ObjectRule = {
    id: "t",
    at: [],
    field: "spec.x",
    valid: value("spec", "x"),
    problem: "p",
    fix: "f",
  };
  assert.equal(ruleViolations([rule], { spec: {} }).length, 1);
  assert.equal(ruleViolations([rule], { spec: { x: true } }).length, 0);
});

Deno.test("MEMORY_SIZE_PATTERN accepts exactly what parseMemorySize reads", () => {
  const corpus = [
    "1024m",
    "1024M",
    "2g",
    "2 gb",
    " 2GB ",
    "2gibibytes",
    "1tb",
    "512k",
    "100",
    "100b",
    "100 bytes",
    "1Gi",
    "512Mi",
    "1.5Gi",
    "1.5G",
    "1e9",
    "1E3",
    "+1Gi",
    ".5Gi",
    "2.",
    "500m",
    "0",
    "lots",
    "two gigs",
    "",
    " ",
    "-1Gi",
    "1gig",
    "1 Gi",
    "1.5g",
    "1x",
    "Gi",
    "1e",
    "1Ki1",
    "10 mebibytes",
  ];
  const pattern = new RegExp(MEMORY_SIZE_PATTERN);
  for (const text of corpus) {
    let parses = true;
    try {
      parseMemorySize(text);
    } catch {
      parses = false;
    }
    assert.equal(pattern.test(text), parses, JSON.stringify(text));
  }
});
