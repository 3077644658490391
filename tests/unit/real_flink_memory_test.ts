import assert from "node:assert/strict";
import { FlinkConfig } from "../../cluster/flink-sim/flink_config.ts";
import { memoryEntries, parseBashJavaUtilsOutput } from "../../cluster/flink-real/memory_flags.ts";

Deno.test("real flink: BashJavaUtils' answer becomes JVM flags and -D memory settings", () => {
  // As Flink 1.20.5 prints it, log lines first.
  const output = [
    "INFO  [] - Loading configuration property: taskmanager.memory.process.size, 1g",
    "BASH_JAVA_UTILS_EXEC_RESULT:-Xmx342255206 -Xms342255206 -XX:MaxDirectMemorySize=201326592 -XX:MaxMetaspaceSize=268435456",
    "INFO  [] - The derived from fraction jvm overhead memory (102.400mb (107374184 bytes)) is less than its min value 192.000mb (201326592 bytes), min value will be used instead",
    "BASH_JAVA_UTILS_EXEC_RESULT:-D taskmanager.memory.network.min=67108864b -D taskmanager.cpu.cores=2.0 -D external-resources=none -D taskmanager.numberOfTaskSlots=2",
    "",
  ].join("\n");
  assert.deepEqual(parseBashJavaUtilsOutput(output), {
    jvm: [
      "-Xmx342255206",
      "-Xms342255206",
      "-XX:MaxDirectMemorySize=201326592",
      "-XX:MaxMetaspaceSize=268435456",
    ],
    dynamicProperties: [
      "-Dtaskmanager.memory.network.min=67108864b",
      "-Dtaskmanager.cpu.cores=2.0",
      "-Dexternal-resources=none",
      "-Dtaskmanager.numberOfTaskSlots=2",
    ],
  });
  assert.throws(() => parseBashJavaUtilsOutput("[ERROR] no memory"), /printed no memory/);
});

Deno.test("real flink: only memory settings key the BashJavaUtils cache", () => {
  const a = new FlinkConfig({
    "kubernetes.cluster-id": "a",
    "jobmanager.rpc.address": "a.ns",
    "taskmanager.memory.process.size": "1g",
    "jobmanager.memory.process.size": "768m",
    "taskmanager.numberOfTaskSlots": "2",
    "taskmanager.heap.size": "512m",
  });
  const b = new FlinkConfig({
    "taskmanager.numberOfTaskSlots": "2",
    "jobmanager.memory.process.size": "768m",
    "taskmanager.memory.process.size": "1g",
    "taskmanager.heap.size": "512m",
    "kubernetes.cluster-id": "b",
  });
  assert.deepEqual(memoryEntries(a), {
    "jobmanager.memory.process.size": "768m",
    "taskmanager.heap.size": "512m",
    "taskmanager.memory.process.size": "1g",
    "taskmanager.numberOfTaskSlots": "2",
  });
  assert.equal(JSON.stringify(memoryEntries(a)), JSON.stringify(memoryEntries(b)));
});
