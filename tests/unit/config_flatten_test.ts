import assert from "node:assert/strict";
import { flattenFlinkConfiguration } from "../../lib/config/flatten.ts";

Deno.test("flattenFlinkConfiguration: nested objects, arrays, scalars", () => {
  const flat = flattenFlinkConfiguration({
    "taskmanager.numberOfTaskSlots": 2,
    state: { backend: { type: "rocksdb", incremental: true }, "savepoints.dir": "s3://b/sp" },
    kubernetes: { operator: { "periodic.savepoint.interval": "6 h" } },
    "env.java.opts.all": ["--add-opens=a", "--add-opens=b"],
    "execution.checkpointing.interval": 1.5,
    "unset.key": null,
  });
  assert.deepEqual(flat, {
    "taskmanager.numberOfTaskSlots": "2",
    "state.backend.type": "rocksdb",
    "state.backend.incremental": "true",
    "state.savepoints.dir": "s3://b/sp",
    "kubernetes.operator.periodic.savepoint.interval": "6 h",
    "env.java.opts.all": "--add-opens=a;--add-opens=b",
    "execution.checkpointing.interval": "1.5",
  });
});

Deno.test("flattenFlinkConfiguration: non-objects give an empty map", () => {
  assert.deepEqual(flattenFlinkConfiguration(undefined), {});
  assert.deepEqual(flattenFlinkConfiguration(null), {});
  assert.deepEqual(flattenFlinkConfiguration("a: b"), {});
});
