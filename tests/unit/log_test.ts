import assert from "node:assert/strict";
import {
  getLogger,
  REDACTED,
  redactSecrets,
  resetLogging,
  setupLogging,
  withResourceContext,
} from "../../lib/log.ts";

/** Runs `body` with logging captured into an array of lines. */
async function capture(
  options: { format: "json" | "text" | "auto"; level?: "debug" | "info"; isTerminal?: boolean },
  body: () => unknown,
): Promise<string[]> {
  const lines: string[] = [];
  setupLogging({ ...options, write: (line) => lines.push(line) });
  try {
    await body();
  } finally {
    resetLogging();
  }
  return lines;
}

const RESOURCE = { kind: "FlinkDeployment", namespace: "flink", name: "basic-example" };

Deno.test("log json: resource context reaches nested async code", async () => {
  const log = getLogger("reconciler");
  const lines = await capture({ format: "json" }, async () => {
    await withResourceContext(RESOURCE, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      await Promise.resolve().then(() => log.info("Deploying {mode}", { mode: "native" }));
    });
    log.info("outside");
  });
  assert.equal(lines.length, 2);
  assert.ok(lines.every((line) => line.endsWith("\n")));
  const inside = JSON.parse(lines[0]);
  assert.equal(inside.level, "INFO");
  assert.equal(inside.logger, "flinkop.reconciler");
  assert.equal(inside.message, "Deploying native");
  assert.equal(inside.kind, "FlinkDeployment");
  assert.equal(inside.namespace, "flink");
  assert.equal(inside.name, "basic-example");
  assert.equal(inside.mode, "native");
  assert.ok(!Number.isNaN(Date.parse(inside["@timestamp"])));
  const outside = JSON.parse(lines[1]);
  assert.equal(outside.kind, undefined);
  assert.equal(outside.name, undefined);
});

Deno.test("log json: concurrent reconciles keep their own context", async () => {
  const log = getLogger("reconciler");
  const lines = await capture(
    { format: "json" },
    () =>
      Promise.all(
        ["a", "b", "c"].map((name) =>
          withResourceContext({ kind: "FlinkSessionJob", namespace: "ns", name }, async () => {
            await new Promise((resolve) => setTimeout(resolve, name === "a" ? 5 : 1));
            log.info("done {name}", { name });
          })
        ),
      ),
  );
  for (const line of lines) {
    const record = JSON.parse(line);
    assert.equal(record.message, `done ${record.name}`);
    assert.equal(record.kind, "FlinkSessionJob");
  }
  assert.equal(lines.length, 3);
});

Deno.test("log json: secrets are redacted in nested objects and flat Flink maps", async () => {
  const lines = await capture(
    { format: "json" },
    () =>
      withResourceContext(RESOURCE, () =>
        getLogger("config").info("Effective config {config}", {
          config: {
            "s3.secret-key": "AKIA-SECRET",
            "s3.access-key": "AKIA-ID",
            "ssl.keystore.password": "hunter2",
            "parallelism.default": "2",
          },
          auth: { token: "t0k3n", user: "bob", nested: [{ apiKey: "k" }] },
          key: "literal",
          error: new Error("failed", { cause: "disk" }),
        })),
  );
  const record = JSON.parse(lines[0]);
  assert.deepEqual(record.config, {
    "s3.secret-key": REDACTED,
    "s3.access-key": REDACTED,
    "ssl.keystore.password": REDACTED,
    "parallelism.default": "2",
  });
  assert.deepEqual(record.auth, { token: REDACTED, user: "bob", nested: [{ apiKey: REDACTED }] });
  assert.equal(record.key, REDACTED);
  assert.equal(record.name, "basic-example");
  assert.equal(record.error.message, "failed");
  assert.equal(record.error.cause, "disk");
  assert.match(record.error.stack, /Error: failed/);
  for (const secret of ["AKIA-SECRET", "AKIA-ID", "hunter2", "t0k3n", "literal"]) {
    assert.ok(!lines[0].includes(secret), secret);
  }
});

Deno.test("log text: readable line with resource, fields and stack", async () => {
  const lines = await capture(
    { format: "text" },
    () =>
      withResourceContext(RESOURCE, () =>
        getLogger("observer").warn("Job {state}", {
          state: "FAILED",
          attempt: 3,
          reason: "two words",
          password: "p",
          error: new Error("boom"),
        })),
  );
  const [first, ...stack] = lines[0].trimEnd().split("\n");
  assert.match(
    first,
    /^\d{4}-\d\d-\d\dT[\d:.]+Z WARN {2}flinkop\.observer \[FlinkDeployment flink\/basic-example\] Job FAILED /,
  );
  assert.ok(first.includes(' attempt=3 reason="two words" password=****** error="Error: boom"'));
  assert.ok(!first.includes("kind="));
  assert.match(stack[0], /^ {4}Error: boom$/);
});

Deno.test("log: auto format follows the terminal, level filters", async () => {
  const onTerminal = await capture(
    { format: "auto", isTerminal: true },
    () => getLogger().info("hello"),
  );
  assert.match(onTerminal[0], /INFO {2}flinkop hello/);
  const piped = await capture({ format: "auto", isTerminal: false }, () => {
    getLogger().debug("hidden");
    getLogger("x").info("shown");
  });
  assert.equal(piped.length, 1);
  assert.equal(JSON.parse(piped[0]).message, "shown");
  const debug = await capture({ format: "json", level: "debug" }, () => getLogger().debug("shown"));
  assert.equal(debug.length, 1);
});

Deno.test("withResourceContext works without logging set up", () => {
  assert.equal(withResourceContext(RESOURCE, () => 42), 42);
});

Deno.test("redactSecrets: pure, deep, Maps and cycles", () => {
  const input = {
    kind: "FlinkDeployment",
    name: "x",
    spec: { flinkConfiguration: { "auth.token": "t", "high-availability.type": "kubernetes" } },
    env: new Map([["DB_PASSWORD", "p"], ["HOME", "/root"]]),
    list: [{ secretRef: { name: "creds" } }],
    unset: { password: null },
  };
  const cyclic: Record<string, unknown> = { clientSecret: "s" };
  cyclic.self = cyclic;
  const output = redactSecrets({ ...input, cyclic });
  assert.equal(output.kind, "FlinkDeployment");
  assert.equal(output.name, "x");
  assert.deepEqual(output.spec.flinkConfiguration, {
    "auth.token": REDACTED,
    "high-availability.type": "kubernetes",
  });
  assert.deepEqual([...output.env], [["DB_PASSWORD", REDACTED], ["HOME", "/root"]]);
  assert.deepEqual(output.list, [{ secretRef: REDACTED }]);
  assert.deepEqual(output.unset, { password: null });
  const redactedCycle = output.cyclic as Record<string, unknown>;
  assert.equal(redactedCycle.clientSecret, REDACTED);
  assert.equal(redactedCycle.self, redactedCycle);
  // The input is untouched.
  assert.equal(input.spec.flinkConfiguration["auth.token"], "t");
  assert.equal(input.env.get("DB_PASSWORD"), "p");
  assert.equal(cyclic.clientSecret, "s");
  assert.equal(redactSecrets("plain"), "plain");
  assert.equal(redactSecrets(null), null);
});
