import assert from "node:assert/strict";
import { FlinkConfig } from "../../cluster/flink-sim/flink_config.ts";
import { type LaunchSpec, parseLaunch } from "../../cluster/flink-sim/launch.ts";
import {
  addressProperties,
  ENTRY_CLASSES,
  FAST_START_FLAGS,
  flinkPropertiesOverrides,
  JAVA17_FLAGS,
  javaArguments,
  type JavaCommandInput,
} from "../../cluster/flink-real/java_command.ts";
import { confDirOf } from "../../cluster/flink-real/runtime.ts";

const MEMORY = {
  jvm: ["-Xmx100", "-Xms100"],
  dynamicProperties: ["-Djobmanager.memory.heap.size=100b"],
};

function launch(command: string[], args: string[]): LaunchSpec {
  const parsed = parseLaunch(command, args);
  if (parsed.role === "none") throw new Error(`not a Flink launch: ${parsed.words}`);
  return parsed;
}

function input(l: LaunchSpec, overrides: Partial<JavaCommandInput> = {}): JavaCommandInput {
  return {
    launch: l,
    config: new FlinkConfig({ "jobmanager.rpc.address": "c1.ns" }),
    memory: MEMORY,
    confDir: "/opt/flink/conf",
    logFile: "/opt/flink/log/main-flink.log",
    log4jConfig: "/opt/flink/conf/log4j-console.properties",
    podIP: "10.244.0.7",
    overrides: {},
    jvmArgsEnv: [],
    marker: "-Dflinkop.node=/state/host-fs",
    ...overrides,
  };
}

/** The arguments after the entry class: what the Flink entry point parses. */
function programArgs(args: string[], entry: string): string[] {
  return args.slice(args.indexOf(entry) + 1);
}

Deno.test("real flink: a session JobManager is the standalone session entry point", () => {
  const args = javaArguments(input(launch(["/docker-entrypoint.sh"], ["jobmanager"])));
  assert.deepEqual(args.slice(0, 2), MEMORY.jvm);
  for (const flag of [...JAVA17_FLAGS, ...FAST_START_FLAGS]) assert.ok(args.includes(flag), flag);
  assert.ok(args.includes("-Dflinkop.node=/state/host-fs"));
  assert.deepEqual(args.slice(args.indexOf("-classpath"), args.indexOf("-classpath") + 2), [
    "-classpath",
    "/opt/flink/lib/*",
  ]);
  assert.deepEqual(programArgs(args, ENTRY_CLASSES.session), [
    "--configDir",
    "/opt/flink/conf",
    "-Djobmanager.memory.heap.size=100b",
    "-Djobmanager.bind-host=10.244.0.7",
    "-Drest.address=10.244.0.7",
    "-Drest.bind-address=10.244.0.7",
  ]);
  // The Service name stays the JobManager's Pekko address: TaskManagers address it by that name.
  assert.ok(!args.some((a) => a.startsWith("-Djobmanager.rpc.address")));
});

Deno.test("real flink: standalone-job keeps its options and the program's arguments", () => {
  const l = launch(["/docker-entrypoint.sh"], [
    "standalone-job",
    "--job-classname",
    "dev.flinkop.jobs.CounterJob",
    "--fromSavepoint",
    "file:/flink-data/sp/savepoint-1",
    "--allowNonRestoredState",
    "-Djobmanager.rpc.address=10.244.0.7",
    "--rate",
    "60",
  ]);
  const args = javaArguments(input(l));
  assert.deepEqual(programArgs(args, ENTRY_CLASSES.application), [
    "--configDir",
    "/opt/flink/conf",
    "-Djobmanager.memory.heap.size=100b",
    "-Djobmanager.bind-host=10.244.0.7",
    "-Drest.address=10.244.0.7",
    "-Drest.bind-address=10.244.0.7",
    "-Djobmanager.rpc.address=10.244.0.7",
    "--job-classname",
    "dev.flinkop.jobs.CounterJob",
    "--fromSavepoint",
    "file:/flink-data/sp/savepoint-1",
    "--allowNonRestoredState",
    "--rate",
    "60",
  ]);
});

Deno.test("real flink: a TaskManager binds and advertises the pod address", () => {
  const l = launch(["/docker-entrypoint.sh"], ["taskmanager", "-Dtaskmanager.host=tm-0.x"]);
  const args = javaArguments(input(l, {
    memory: { jvm: ["-Xmx1"], dynamicProperties: ["-Dtaskmanager.memory.network.min=1b"] },
    overrides: flinkPropertiesOverrides({
      FLINK_PROPERTIES: "heartbeat.interval: 2000\n# comment\nrest.port: 8082",
    }),
  }));
  // Later -D wins in Flink: memory < pod address < FLINK_PROPERTIES < the container's own -D.
  assert.deepEqual(programArgs(args, ENTRY_CLASSES.taskmanager), [
    "--configDir",
    "/opt/flink/conf",
    "-Dtaskmanager.memory.network.min=1b",
    "-Dtaskmanager.bind-host=10.244.0.7",
    "-Dheartbeat.interval=2000",
    "-Drest.port=8082",
    "-Dtaskmanager.host=tm-0.x",
  ]);
});

Deno.test("real flink: the pod's JVM options come along; its collector wins over ours", () => {
  const config = new FlinkConfig({
    "env.java.opts.all": "-Dall=1  -XX:+UseG1GC",
    "env.java.opts.jobmanager": "-Djm=1",
    "env.java.opts.taskmanager": "-Dtm=1",
  });
  const args = javaArguments(input(launch([], ["jobmanager"]), {
    config,
    jvmArgsEnv: ["-Denv=1"],
  }));
  for (const flag of ["-Dall=1", "-XX:+UseG1GC", "-Djm=1", "-Denv=1"]) {
    assert.ok(args.includes(flag), flag);
  }
  assert.ok(!args.includes("-Dtm=1"));
  assert.ok(!args.includes("-XX:+UseSerialGC"), "two collectors would stop the JVM");
  assert.ok(args.includes("--add-opens=java.base/java.util=ALL-UNNAMED"));
});

Deno.test("real flink: an address the pod sets itself is kept", () => {
  const l = launch([], ["jobmanager", "-Drest.address=10.9.9.9"]);
  const config = new FlinkConfig({
    "jobmanager.bind-host": "0.0.0.0",
    "rest.bind-address": "10.244.0.7",
  });
  assert.deepEqual(addressProperties(l, "10.244.0.7", config), {
    "jobmanager.bind-host": "10.244.0.7",
  });
});

Deno.test("real flink: the conf dir is --configDir, else FLINK_CONF_DIR, else the image's", () => {
  assert.equal(confDirOf(launch([], ["jobmanager", "--configDir", "/c"]), {}), "/c");
  assert.equal(confDirOf(launch([], ["jobmanager"]), { FLINK_CONF_DIR: "/e" }), "/e");
  assert.equal(confDirOf(launch([], ["taskmanager"]), {}), "/opt/flink/conf");
});
