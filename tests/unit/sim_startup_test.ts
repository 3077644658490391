/**
 * What the simulator refuses at process start, as Flink does (cross-checked against real Flink by
 * tests/integration/sim_fidelity_startup_test.ts): exit 1, Flink's words in the log and in the
 * termination message.
 */
import assert from "node:assert/strict";
import { humanReadableMemory, readFlinkMemorySize } from "../../cluster/flink-sim/memory_size.ts";
import type { ContainerExit } from "../../cluster/nodeagent/runtime.ts";
import { appConf, type ProcessOptions, SimWorld, waitFor } from "./sim_harness.ts";

/** How the process ended, or undefined when it came up (REST listening, TaskManager registered). */
async function exitOf(opts: ProcessOptions) {
  const world = await SimWorld.create();
  try {
    const process = await world.start(opts);
    let exit: ContainerExit | undefined;
    process.container.exited.then((e) => exit = e);
    const up = () => process.logs.some((l) => /Rest endpoint listening|registered with/.test(l));
    await waitFor(() => exit !== undefined || up(), 5000, "the process to start or exit");
    return { exit, logs: process.logs.join("\n") };
  } finally {
    await world.dispose();
  }
}

Deno.test("sim memory size: Flink's syntax, its errors and its printing", () => {
  assert.equal(readFlinkMemorySize("1024m"), 1024 * 1024 * 1024);
  assert.equal(readFlinkMemorySize(" 1 gb "), 1024 ** 3);
  assert.equal(readFlinkMemorySize("0"), 0);
  assert.equal(readFlinkMemorySize("268435456b"), 268435456);
  assert.deepEqual(readFlinkMemorySize("-1m"), {
    className: "java.lang.NumberFormatException",
    message: "text does not start with a number",
    cause: undefined,
  });
  assert.match(
    (readFlinkMemorySize("1.5g") as { message: string }).message,
    /^Memory size unit '\.5g' does not match any of the recognized units: \(b \| bytes\) \/ \(k \| kb \| kibibytes\)/,
  );
  assert.equal(humanReadableMemory(0), "0 bytes");
  assert.equal(humanReadableMemory(1024), "1024 bytes");
  assert.equal(humanReadableMemory(419430), "409.600kb (419430 bytes)");
  assert.equal(humanReadableMemory(1048576), "1024.000kb (1048576 bytes)");
  assert.equal(humanReadableMemory(63753421), "60.800mb (63753421 bytes)");
  assert.equal(humanReadableMemory(1073741824), "1024.000mb (1073741824 bytes)");
});

Deno.test("sim: a TaskManager whose memory Flink cannot lay out exits 1", async () => {
  const { exit, logs } = await exitOf({
    conf: { "taskmanager.memory.process.size": "0" },
    args: ["taskmanager"],
  });
  assert.equal(exit?.exitCode, 1);
  assert.match(
    logs,
    /\[ERROR\] Could not get JVM parameters and dynamic configurations properly\./,
  );
  assert.match(
    exit?.message ?? "",
    /IllegalConfigurationException: TaskManager memory configuration failed: Sum of configured JVM Metaspace \(256\.000mb \(268435456 bytes\)\) and JVM Overhead \(192\.000mb \(201326592 bytes\)\) exceed configured Total Process Memory \(0 bytes\)\./,
  );

  const small = await exitOf({
    conf: { "taskmanager.memory.process.size": "600m" },
    args: ["taskmanager"],
  });
  assert.match(
    small.exit?.message ?? "",
    /Managed Memory \(60\.800mb \(63753421 bytes\)\) and Network Memory \(64\.000mb \(67108864 bytes\)\) exceed configured Total Flink Memory \(152\.000mb \(159383552 bytes\)\)/,
  );
  const noSlots = await exitOf({
    conf: { "taskmanager.numberOfTaskSlots": 0 },
    args: ["taskmanager"],
  });
  assert.match(noSlots.exit?.message ?? "", /positive number of CPU cores/);
});

Deno.test("sim: a JobManager without memory settings exits 1; the image's defaults have them", async () => {
  const none = await exitOf({
    conf: { "jobmanager.memory.process.size": undefined },
    args: ["jobmanager"],
  });
  assert.equal(none.exit?.exitCode, 1);
  assert.match(
    none.exit?.message ?? "",
    /JobManager memory configuration failed: Either required fine-grained memory \(jobmanager\.memory\.heap\.size\)/,
  );
  // Flink 2 reports the cause without the wrapper.
  const v2 = await exitOf({
    conf: { "jobmanager.memory.process.size": "576m" },
    args: ["jobmanager"],
    image: "flink:2.2",
  });
  assert.match(
    v2.exit?.message ?? "",
    /^Exception in thread "main" org\.apache\.flink\.configuration\.IllegalConfigurationException: The configured Total Flink Memory \(128\.000mb \(134217728 bytes\)\) is less than the configured Off-heap Memory/m,
  );
  // No configuration file at all: the image's flink-conf.yaml applies, and it sets memory.
  const imageDefaults = await exitOf({ args: ["jobmanager"] });
  assert.equal(imageDefaults.exit, undefined, "the JobManager serves");
});

Deno.test("sim: application programs Flink cannot build refuse the JobManager", async () => {
  const noScheme = await exitOf({
    conf: appConf({ "pipeline.classpaths": "/opt/flink/examples/counter.jar" }),
    args: ["standalone-job", "--job-classname", "org.example.Job"],
  });
  assert.equal(noScheme.exit?.exitCode, 1);
  assert.match(noScheme.logs, /ClusterEntrypoint {8}\[\] - Could not create application program\./);
  // The termination message: the last three error lines, as real Flink's (measured).
  assert.equal(
    noScheme.exit?.message,
    "ERROR org.apache.flink.runtime.entrypoint.ClusterEntrypoint        [] - Could not create " +
      "application program.\norg.apache.flink.util.FlinkException: An error occurred while " +
      "extracting the user classpath.\nCaused by: java.net.MalformedURLException: no protocol: " +
      "/opt/flink/examples/counter.jar",
  );
  const withScheme = await exitOf({
    conf: appConf({ "pipeline.classpaths": "file:///opt/flink/examples/counter.jar" }),
    args: ["standalone-job", "--job-classname", "org.example.Job"],
  });
  assert.equal(withScheme.exit, undefined);

  // Native application mode before 1.19 takes local: jars only; from 1.19 Flink fetches others.
  const jars = appConf({ "pipeline.jars": "/opt/flink/usrlib/job.jar" });
  const old = await exitOf({ conf: jars, image: "flink:1.18" });
  assert.equal(old.exit?.exitCode, 1);
  assert.match(old.exit?.message ?? "", /IllegalArgumentException: Only "local" is supported/);
  assert.equal((await exitOf({ conf: jars, image: "flink:1.20" })).exit, undefined);
});

Deno.test("sim: a resource manager without slots, or a native one without TaskManager memory", async () => {
  const noSlots = await exitOf({
    conf: appConf({ "taskmanager.numberOfTaskSlots": 0 }),
    args: ["jobmanager"],
  });
  assert.equal(noSlots.exit?.exitCode, 1);
  assert.equal(
    noSlots.exit?.message,
    "org.apache.flink.runtime.entrypoint.ClusterEntrypointException: Failed to initialize the " +
      "cluster entrypoint StandaloneSessionClusterEntrypoint.\nCaused by: " +
      "org.apache.flink.util.FlinkException: Could not create the " +
      "DispatcherResourceManagerComponent.\nCaused by: java.lang.IllegalStateException",
  );
  // A native JobManager derives the TaskManagers' memory at start; standalone ones do not.
  const tmMemory = appConf({ "taskmanager.memory.process.size": "0" });
  const native = await exitOf({ conf: tmMemory });
  assert.equal(native.exit?.exitCode, 1);
  assert.match(
    native.logs,
    /Could not start cluster entrypoint KubernetesApplicationClusterEntrypoint\.\norg\.apache\.flink\.runtime\.entrypoint\.ClusterEntrypointException/,
  );
  assert.match(
    native.exit?.message ?? "",
    /DispatcherResourceManagerComponent\.\nCaused by: org\.apache\.flink\.configuration\.IllegalConfigurationException: TaskManager memory configuration failed: Sum of configured JVM Metaspace/,
  );
  assert.equal((await exitOf({ conf: tmMemory, args: ["jobmanager"] })).exit, undefined);
});
