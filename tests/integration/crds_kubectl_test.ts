import assert from "node:assert/strict";
import { integrationTest } from "../support/integration.ts";
import { testKubeconfig } from "../support/cluster.ts";

const repo = new URL("../..", import.meta.url).pathname;

async function kubectl(args: string[], stdin?: string): Promise<{ code: number; out: string }> {
  const child = new Deno.Command("kubectl", {
    args: ["--kubeconfig", await testKubeconfig(), ...args],
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const { code, stdout, stderr } = await child.output();
  const text = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
  return { code, out: text };
}

integrationTest(
  "CRDs apply with kubectl; FKO-style examples are accepted; printer columns show",
  async ({ ns }) => {
    const applied = await kubectl([
      "apply",
      "--server-side",
      "--force-conflicts",
      "-f",
      `${repo}crds/`,
    ]);
    assert.equal(applied.code, 0, applied.out);
    for (const crd of ["flinkdeployments", "flinksessionjobs", "flinkstatesnapshots"]) {
      const established = await kubectl([
        "wait",
        "--for=condition=Established",
        `crd/${crd}.flink.apache.org`,
        "--timeout=30s",
      ]);
      assert.equal(established.code, 0, established.out);
    }
    // The examples are FKO's e2e resources in shape; the API server must accept them unchanged.
    const created = await kubectl(["-n", ns, "create", "-f", `${repo}examples/`]);
    assert.equal(created.code, 0, created.out);
    const deps = await kubectl(["-n", ns, "get", "flinkdep"]);
    assert.equal(deps.code, 0, deps.out);
    const header = deps.out.split("\n")[0];
    assert.match(header, /NAME\s+JOB STATUS\s+LIFECYCLE STATE/, deps.out);
    assert.match(deps.out, /basic-example/);
    const jobs = await kubectl(["-n", ns, "get", "sessionjob"]);
    assert.match(jobs.out.split("\n")[0], /NAME\s+JOB STATUS\s+LIFECYCLE STATE/, jobs.out);
    const snaps = await kubectl(["-n", ns, "get", "flinksnp"]);
    assert.match(
      snaps.out.split("\n")[0],
      /NAME\s+PATH\s+RESULT TIMESTAMP\s+SNAPSHOT STATE/,
      snaps.out,
    );
    // The scale subresource targets spec.taskManager.replicas.
    const scaled = await kubectl(["-n", ns, "scale", "flinkdep/basic-example", "--replicas=3"]);
    assert.equal(scaled.code, 0, scaled.out);
    const replicas = await kubectl([
      "-n",
      ns,
      "get",
      "flinkdep/basic-example",
      "-o",
      "jsonpath={.spec.taskManager.replicas}",
    ]);
    assert.equal(replicas.out.trim(), "3");
    // Free-form fields survive a round trip (preserve-unknown-fields).
    const conf = await kubectl([
      "-n",
      ns,
      "get",
      "flinkdep/basic-example",
      "-o",
      "jsonpath={.spec.flinkConfiguration.taskmanager\\.numberOfTaskSlots}",
    ]);
    assert.equal(conf.out.trim(), "2");
  },
);
