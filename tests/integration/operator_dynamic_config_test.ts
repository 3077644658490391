/**
 * Dynamic operator configuration on the real operator process, reading a config directory as it
 * would a mounted ConfigMap. A port of FKO's e2e test_dynamic_config.sh (a new namespace is added
 * to `kubernetes.operator.watched.namespaces` in the operator's config.yaml; the operator logs
 * "Setting default configuration to {...}"), extended to show what the change does: resources
 * of an added namespace are reconciled, those of a dropped one no longer, changed defaults apply
 * on the next reconcile, an invalid file is refused and the previous configuration kept, and an
 * option without effect is warned about once.
 */
import assert from "node:assert/strict";
import type { KubeClient } from "../../lib/kube/client.ts";
import { FlinkSessionJobs } from "../../lib/flink/resources.ts";
import { freshNamespace, testKubeconfig, waitFor } from "../support/cluster.ts";
import { prepareNamespace } from "../support/operator.ts";
import { operatorArgs, OperatorProcess } from "../support/operator_process.ts";
import { errorOf, getSj, localJar, sessionJob } from "../support/session_job.ts";

const CHECK_INTERVAL_S = 1;

/**
 * The operator's config.yaml. Session jobs are used as probes: without a session cluster each
 * one waits with a status error naming the cluster it waits for (or, when its jar's scheme is
 * not allowed, the validation error), so every reconcile is visible.
 */
function configYaml(watched: string, extra: Record<string, string> = {}): string {
  const settings: Record<string, string> = {
    "kubernetes.operator.dynamic.config.check.interval": `${CHECK_INTERVAL_S} s`,
    "kubernetes.operator.dynamic.namespaces.enabled": "true",
    "kubernetes.operator.watched.namespaces": watched,
    "kubernetes.operator.user.artifacts.allowed-schemes": "https,file",
    "kubernetes.operator.user.artifacts.base.dir": "/tmp",
    ...extra,
  };
  return Object.entries(settings).map(([k, v]) => `${k}: "${v}"\n`).join("");
}

/** The session cluster a probe session job currently waits for, if that is its error. */
async function waitingFor(client: KubeClient, ns: string, name: string): Promise<string> {
  const match = errorOf(await getSj(client, ns, name)).match(/FlinkDeployment [^/]+\/([^:]+):/);
  return match?.[1] ?? "";
}

const count = (text: string, part: string) => text.split(part).length - 1;

/** Replaces the file at once, as a ConfigMap volume does (a reader never sees half a file). */
async function writeConfig(path: string, text: string): Promise<void> {
  await Deno.writeTextFile(`${path}.new`, text);
  await Deno.rename(`${path}.new`, path);
}

Deno.test("dynamic config: the operator's config file is re-read and applied", async (t) => {
  await using first = await freshNamespace("dynamic-first");
  await using dynamic = await freshNamespace("dynamic", { client: first.client });
  const client = first.client;
  for (const ns of [first.name, dynamic.name]) await prepareNamespace(client, ns);
  const confDir = await Deno.makeTempDir({ prefix: "flinkop-dynamic-conf-" });
  const confFile = `${confDir}/config.yaml`;
  // Set at start to a non-default value although it does nothing: warned about once.
  const noEffect = { "kubernetes.operator.config.cache.timeout": "1 min" };
  await writeConfig(confFile, configYaml(first.name, noEffect));
  const op = new OperatorProcess(
    ["-A"],
    operatorArgs(await testKubeconfig(), undefined, ["--config-dir", confDir]),
    {},
  );
  const jar = await localJar();
  const alive = () => {
    if (op.exitCode !== undefined) throw new Error(`operator exited\n${op.output}`);
  };
  try {
    await client.create(FlinkSessionJobs, first.name, sessionJob(first.name, "a", "one", jar));
    await client.create(FlinkSessionJobs, dynamic.name, sessionJob(dynamic.name, "b", "one", jar));
    await waitFor("a, in the watched namespace, to be reconciled", async () => {
      alive();
      return await waitingFor(client, first.name, "a") === "one";
    }, { timeoutMs: 60_000 });
    assert.equal(errorOf(await getSj(client, dynamic.name, "b")), "", "b is not watched yet");

    await t.step("FKO e2e: a namespace added to watched.namespaces is watched", async () => {
      const watched = `${first.name},${dynamic.name}`;
      await writeConfig(confFile, configYaml(watched, noEffect));
      await waitFor("the operator to log the new configuration", () => {
        alive();
        // FKO's e2e test waits for exactly this log line.
        return op.stdout.split("\n").some((line) =>
          line.includes("Setting default configuration to {") &&
          line.includes(`kubernetes.operator.watched.namespaces=${watched}`)
        );
      }, { timeoutMs: 30_000 });
      await waitFor(
        "b, in the added namespace, to be reconciled",
        async () => await waitingFor(client, dynamic.name, "b") === "one",
        { timeoutMs: 30_000 },
      );
    });

    await t.step("a namespace removed from the list is no longer reconciled", async () => {
      await writeConfig(confFile, configYaml(dynamic.name, noEffect));
      await waitFor(
        "the operator to stop watching the first namespace",
        () => op.stdout.includes(`Changing watched namespaces from ${first.name},${dynamic.name}`),
        { timeoutMs: 30_000 },
      );
      // The same change to both: only the one in the still-watched namespace is reconciled.
      for (const [ns, name] of [[first.name, "a"], [dynamic.name, "b"]]) {
        await client.patch(FlinkSessionJobs, ns, name, { spec: { deploymentName: "two" } });
      }
      await waitFor(
        "b's change to be reconciled",
        async () => await waitingFor(client, dynamic.name, "b") === "two",
        { timeoutMs: 30_000 },
      );
      await new Promise((r) => setTimeout(r, 2_000));
      assert.equal(await waitingFor(client, first.name, "a"), "one", "a is no longer watched");
    });

    await t.step("a changed default applies on the next reconcile", async () => {
      // Without file:// among the allowed schemes, b's jar is refused at its next pass.
      await writeConfig(
        confFile,
        configYaml(dynamic.name, {
          ...noEffect,
          "kubernetes.operator.user.artifacts.allowed-schemes": "https",
        }),
      );
      await waitFor(
        "b to be refused under the new default",
        async () =>
          /scheme "file" is not allowed/.test(errorOf(await getSj(client, dynamic.name, "b"))),
        { timeoutMs: 30_000 },
      );
    });

    await t.step("an invalid file is refused and the previous configuration kept", async () => {
      await writeConfig(
        confFile,
        configYaml(dynamic.name, {
          ...noEffect,
          "kubernetes.operator.user.artifacts.allowed-schemes": "https,file",
          "kubernetes.operator.flink.client.timeout": "soon",
        }),
      );
      await waitFor(
        "the operator to refuse the file, naming the key",
        () =>
          /Error while updating operator configuration, keeping the previous one: .*kubernetes\.operator\.flink\.client\.timeout: "soon" is not a duration/
            .test(op.stdout),
        { timeoutMs: 30_000 },
      );
      // Still running under the previous configuration: b is still refused after a change.
      await client.patch(FlinkSessionJobs, dynamic.name, "b", {
        spec: { deploymentName: "three" },
      });
      await new Promise((r) => setTimeout(r, 2 * CHECK_INTERVAL_S * 1000));
      const error = errorOf(await getSj(client, dynamic.name, "b"));
      assert.match(error, /scheme "file" is not allowed/);
      assert.equal(op.exitCode, undefined);
    });

    await t.step("options without effect: one warning each, at start or when set", async () => {
      await writeConfig(
        confFile,
        configYaml(dynamic.name, { ...noEffect, "kubernetes.operator.config.cache.size": "5" }),
      );
      await waitFor(
        "b's jar to be accepted again (file:// allowed), then waiting for its cluster",
        async () => await waitingFor(client, dynamic.name, "b") === "three",
        { timeoutMs: 30_000 },
      );
      await waitFor(
        "the warning for the option set by the reload",
        () => op.stdout.includes('"kubernetes.operator.config.cache.size" is set to "5"'),
      );
      assert.equal(
        count(op.stdout, '"kubernetes.operator.config.cache.timeout" is set to "1 min"'),
        1,
        "the option set since the start is warned about once, not at every reload",
      );
      assert.equal(count(op.stdout, '"kubernetes.operator.config.cache.size" is set to "5"'), 1);
    });
  } catch (err) {
    console.error(op.output);
    throw err;
  } finally {
    await op.stop();
    if (Deno.env.get("FLINKOP_TEST_LOG")) console.error(op.output);
    await Deno.remove(confDir, { recursive: true });
  }
});

Deno.test("dynamic config: with dynamic.config.enabled false the file is read once", async () => {
  await using first = await freshNamespace("static-first");
  await using other = await freshNamespace("static-other", { client: first.client });
  const client = first.client;
  for (const ns of [first.name, other.name]) await prepareNamespace(client, ns);
  const confDir = await Deno.makeTempDir({ prefix: "flinkop-static-conf-" });
  const confFile = `${confDir}/config.yaml`;
  const disabled = { "kubernetes.operator.dynamic.config.enabled": "false" };
  await writeConfig(confFile, configYaml(first.name, disabled));
  const op = new OperatorProcess(
    ["-A"],
    operatorArgs(await testKubeconfig(), undefined, ["--config-dir", confDir]),
    {},
  );
  const jar = await localJar();
  try {
    await client.create(FlinkSessionJobs, first.name, sessionJob(first.name, "a", "one", jar));
    await client.create(FlinkSessionJobs, other.name, sessionJob(other.name, "b", "one", jar));
    await waitFor("a to be reconciled", async () => {
      if (op.exitCode !== undefined) throw new Error(`operator exited\n${op.output}`);
      return await waitingFor(client, first.name, "a") === "one";
    }, { timeoutMs: 60_000 });
    await writeConfig(confFile, configYaml(`${first.name},${other.name}`, disabled));
    // A change made after several check intervals is reconciled under the old configuration.
    await new Promise((r) => setTimeout(r, 3 * CHECK_INTERVAL_S * 1000));
    await client.patch(FlinkSessionJobs, first.name, "a", { spec: { deploymentName: "two" } });
    await waitFor("a's change", async () => await waitingFor(client, first.name, "a") === "two");
    assert.equal(errorOf(await getSj(client, other.name, "b")), "", "b is still not watched");
    assert.ok(!op.stdout.includes("Setting default configuration"), op.output);
  } finally {
    await op.stop();
    if (Deno.env.get("FLINKOP_TEST_LOG")) console.error(op.output);
    await Deno.remove(confDir, { recursive: true });
  }
});
