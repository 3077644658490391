import assert from "node:assert/strict";
import { parseAgentFlags, UsageError } from "../../cluster/nodeagent/flags.ts";

const noEnv = () => undefined;

Deno.test("flags: defaults match kubelet and the cluster launcher", () => {
  assert.deepEqual(parseAgentFlags(["--state-dir", "/tmp/s"], noEnv), {
    kubeconfig: undefined,
    stateDir: "/tmp/s",
    nodeName: "flinkop-node-0",
    runtimes: ["sim", "real", "flinkop"],
    crashBackoffBaseMs: 10_000,
    crashBackoffMaxMs: 300_000,
    echoContainerLogs: false,
    podCidr: undefined,
    installPodRoute: false,
  });
});

Deno.test("flags: every option, and environment fallbacks", () => {
  const flags = parseAgentFlags([
    "--kubeconfig=/k",
    "--state-dir=/s",
    "--node-name=n1",
    "--runtime=sim,real",
    "--crash-backoff-base-ms=200",
    "--echo-container-logs",
    "--pod-cidr=10.244.0.0/16",
    "--install-pod-route",
  ], noEnv);
  assert.equal(flags.podCidr, "10.244.0.0/16");
  assert.equal(flags.installPodRoute, true);
  assert.equal(flags.kubeconfig, "/k");
  assert.equal(flags.nodeName, "n1");
  assert.deepEqual(flags.runtimes, ["sim", "real"]);
  assert.equal(flags.crashBackoffBaseMs, 200);
  assert.equal(flags.echoContainerLogs, true);

  const env: Record<string, string> = {
    FLINKOP_NODE_AGENT_CRASH_BACKOFF_BASE_MS: "500",
    FLINKOP_NODE_AGENT_CRASH_BACKOFF_MAX_MS: "100",
    FLINKOP_NODE_AGENT_ECHO_CONTAINER_LOGS: "1",
    FLINKOP_NODE_AGENT_POD_CIDR: "10.99.0.0/16",
    FLINKOP_NODE_AGENT_RUNTIME: "real,sim",
  };
  const fromEnv = parseAgentFlags(["--state-dir=/s"], (n) => env[n]);
  assert.equal(fromEnv.crashBackoffBaseMs, 500);
  assert.equal(fromEnv.crashBackoffMaxMs, 500, "the cap is never below the base");
  assert.equal(fromEnv.echoContainerLogs, true);
  assert.equal(fromEnv.podCidr, "10.99.0.0/16");
  assert.deepEqual(fromEnv.runtimes, ["real", "sim"]);
});

Deno.test("flags: mistakes are usage errors", () => {
  for (
    const args of [
      [],
      ["--state-dir=/s", "--runtime=docker"],
      ["--state-dir=/s", "--crash-backoff-base-ms=soon"],
      ["--state-dir=/s", "--bogus"],
      ["--state-dir=/s", "extra"],
    ]
  ) {
    assert.throws(() => parseAgentFlags(args, noEnv), UsageError, args.join(" "));
  }
});
