/**
 * Response bodies in the shapes Flink 1.17 – 2.x send (field names and nesting as documented in
 * Flink's REST reference; values made up).
 */

export const JOB_ID = "3f2a1c0d9e8b7a6f5e4d3c2b1a098765";
export const OTHER_JOB_ID = "00000000000000000000000000000042";

export const CONFIG_1_20 = {
  "refresh-interval": 3000,
  "timezone-name": "Coordinated Universal Time",
  "timezone-offset": 0,
  "flink-version": "1.20.1",
  "flink-revision": "8e2a7b2 @ 2025-02-03T10:11:12+01:00",
  "features": {
    "web-submit": true,
    "web-cancel": true,
    "web-rescale": false,
    "web-history": false,
  },
};

export const OVERVIEW = {
  "taskmanagers": 2,
  "slots-total": 4,
  "slots-available": 1,
  "taskmanagers-blocked": 0,
  "slots-free-and-blocked": 0,
  "jobs-running": 1,
  "jobs-finished": 2,
  "jobs-cancelled": 1,
  "jobs-failed": 0,
  "flink-version": "2.1.0",
  "flink-commit": "4cb6bd3",
};

export const JOBS_OVERVIEW = {
  jobs: [
    {
      "jid": JOB_ID,
      "name": "State machine job",
      "start-time": 1_700_000_000_000,
      "end-time": -1,
      "duration": 60_000,
      "state": "RUNNING",
      "last-modification": 1_700_000_001_000,
      "tasks": {
        "running": 2,
        "canceling": 0,
        "canceled": 0,
        "total": 2,
        "created": 0,
        "scheduled": 0,
        "deploying": 0,
        "reconciling": 0,
        "finished": 0,
        "initializing": 0,
        "failed": 0,
      },
      "pending-operators": 0,
    },
    {
      "jid": OTHER_JOB_ID,
      "name": "Old job",
      "start-time": 1_690_000_000_000,
      "end-time": 1_690_000_500_000,
      "duration": 500_000,
      "state": "CANCELED",
      "last-modification": 1_690_000_500_000,
      "tasks": { "total": 1, "canceled": 1 },
    },
  ],
};

export const JOB_DETAILS = {
  "jid": JOB_ID,
  "name": "State machine job",
  "isStoppable": false,
  "state": "RUNNING",
  "job-type": "STREAMING",
  "start-time": 1_700_000_000_000,
  "end-time": -1,
  "duration": 60_000,
  "maxParallelism": -1,
  "now": 1_700_000_060_000,
  "timestamps": { "CREATED": 1_699_999_999_000, "RUNNING": 1_700_000_000_000, "FAILED": 0 },
  "vertices": [
    {
      "id": "cbc357ccb763df2852fee8c4fc7d55f2",
      "name": "Source: Custom Source",
      "maxParallelism": 128,
      "parallelism": 2,
      "status": "RUNNING",
      "start-time": 1_700_000_000_100,
      "end-time": -1,
      "duration": 59_900,
      "tasks": { "RUNNING": 2 },
      "metrics": {},
    },
  ],
  "status-counts": { "RUNNING": 1 },
  "plan": { "jid": JOB_ID, "name": "State machine job", "type": "STREAMING", "nodes": [] },
};

const COMPLETED_CHECKPOINT = {
  "className": "completed",
  "id": 14,
  "status": "COMPLETED",
  "is_savepoint": false,
  "savepoint_format": null,
  "trigger_timestamp": 1_700_000_140_000,
  "latest_ack_timestamp": 1_700_000_140_120,
  "checkpointed_size": 4096,
  "state_size": 18_432,
  "end_to_end_duration": 120,
  "alignment_buffered": 0,
  "processed_data": 0,
  "persisted_data": 0,
  "num_subtasks": 4,
  "num_acknowledged_subtasks": 4,
  "checkpoint_type": "CHECKPOINT",
  "tasks": {},
  "external_path": "file:/flink-data/checkpoints/3f2a1c0d9e8b7a6f5e4d3c2b1a098765/chk-14",
  "discarded": false,
};

/** Checkpoints with every `latest` entry present; the completed checkpoint has the highest id. */
export const CHECKPOINT_STATS = {
  counts: { restored: 1, total: 16, in_progress: 1, completed: 13, failed: 2 },
  summary: {
    checkpointed_size: { min: 1, max: 4096, avg: 2000 },
    state_size: { min: 1, max: 18_432, avg: 9000 },
  },
  latest: {
    completed: COMPLETED_CHECKPOINT,
    savepoint: {
      ...COMPLETED_CHECKPOINT,
      id: 12,
      is_savepoint: true,
      savepoint_format: "CANONICAL",
      checkpoint_type: "SAVEPOINT",
      trigger_timestamp: 1_700_000_120_000,
      external_path: "file:/flink-data/savepoints/savepoint-3f2a1c-0123456789ab",
    },
    failed: {
      className: "failed",
      id: 13,
      status: "FAILED",
      is_savepoint: false,
      trigger_timestamp: 1_700_000_130_000,
      failure_timestamp: 1_700_000_131_000,
      failure_message: "Checkpoint expired before completing.",
      checkpoint_type: "CHECKPOINT",
    },
    restored: {
      id: 3,
      restore_timestamp: 1_700_000_000_500,
      is_savepoint: true,
      external_path: "file:/flink-data/savepoints/savepoint-initial",
    },
  },
  history: [
    {
      className: "in_progress",
      id: 15,
      status: "IN_PROGRESS",
      is_savepoint: false,
      trigger_timestamp: 1_700_000_150_000,
      latest_ack_timestamp: -1,
      checkpoint_type: "CHECKPOINT",
      num_subtasks: 4,
      num_acknowledged_subtasks: 1,
    },
    COMPLETED_CHECKPOINT,
  ],
};

/** Right after a restart from a savepoint: only `restored` is set, and it wins. */
export const CHECKPOINT_STATS_ONLY_RESTORED = {
  counts: { restored: 1, total: 0, in_progress: 0, completed: 0, failed: 0 },
  latest: {
    completed: null,
    savepoint: null,
    failed: null,
    restored: {
      id: 27,
      restore_timestamp: 1_700_000_300_000,
      is_savepoint: true,
      external_path: "s3://bucket/savepoints/savepoint-27",
    },
  },
  history: [],
};

/** Checkpointing without `state.checkpoints.dir`: the job-manager-only storage pointer. */
export const CHECKPOINT_STATS_NOT_ADDRESSABLE = {
  counts: { restored: 0, total: 2, in_progress: 0, completed: 2, failed: 0 },
  latest: {
    completed: {
      ...COMPLETED_CHECKPOINT,
      id: 2,
      external_path: "<checkpoint-not-externally-addressable>",
    },
    savepoint: null,
    failed: null,
    restored: null,
  },
  history: [],
};

export const CHECKPOINTING_DISABLED = {
  errors: [
    "org.apache.flink.runtime.rest.handler.RestHandlerException: Checkpointing has not been " +
    "enabled.\n\tat org.apache.flink.runtime.rest.handler.job.checkpoints." +
    "CheckpointingStatisticsHandler.createCheckpointingStatistics(CheckpointingStatisticsHandler.java:113)",
  ],
};

/** Flink 1.17: deprecated top-level fields, `location` instead of `endpoint`, no failureLabels. */
export const EXCEPTIONS_1_17 = {
  "root-exception": "java.lang.RuntimeException: boom\n\tat com.example.Mapper.map(Mapper.java:17)",
  "timestamp": 1_700_000_200_000,
  "all-exceptions": [],
  "truncated": false,
  "exceptionHistory": {
    entries: [
      {
        exceptionName: "java.lang.RuntimeException",
        stacktrace: "java.lang.RuntimeException: boom\n\tat com.example.Mapper.map(Mapper.java:17)",
        timestamp: 1_700_000_200_000,
        taskName: "Map (1/2)#0",
        location: "10.244.0.7:39457",
        taskManagerId: "state-machine-taskmanager-1-1",
        concurrentExceptions: [],
      },
    ],
    truncated: false,
  },
};

/** Flink 2.x: only `exceptionHistory`, with `endpoint`, failure labels and concurrent entries. */
export const EXCEPTIONS_2_X = {
  exceptionHistory: {
    entries: [
      {
        exceptionName: "org.apache.flink.util.FlinkException",
        stacktrace: "org.apache.flink.util.FlinkException: TaskManager lost\n\tat ...",
        timestamp: 1_700_000_300_000,
        taskName: "Sink: Print (2/2)#1",
        endpoint: "10.244.0.9:41234",
        taskManagerId: "state-machine-taskmanager-1-2",
        failureLabels: { type: "system", retriable: "true" },
        concurrentExceptions: [
          {
            exceptionName: "java.io.IOException",
            stacktrace: "java.io.IOException: connection reset\n\tat ...",
            timestamp: 1_700_000_300_001,
            taskName: "Map (1/2)#1",
            endpoint: "10.244.0.8:41234",
            taskManagerId: "state-machine-taskmanager-1-1",
            failureLabels: {},
          },
        ],
      },
    ],
    truncated: true,
  },
};

export const SERIALIZED_THROWABLE = {
  "class": "java.util.concurrent.CompletionException",
  "stack-trace": "java.util.concurrent.CompletionException: " +
    "org.apache.flink.runtime.checkpoint.CheckpointException: Checkpoint Coordinator is suspending." +
    "\n\tat java.base/java.util.concurrent.CompletableFuture.encodeThrowable(CompletableFuture.java:332)",
  "serialized-throwable": "rO0ABXNyAC1vcmcuYXBhY2hlLmZsaW5r",
};

export const EXECUTION_RESULT_FAILED = {
  "status": { id: "COMPLETED" },
  "job-execution-result": {
    "id": JOB_ID,
    "application-status": "FAILED",
    "accumulator-results": {},
    "net-runtime": 5230,
    "failure-cause": {
      "class": "org.apache.flink.runtime.JobException",
      "stack-trace": "org.apache.flink.runtime.JobException: Recovery is suppressed by " +
        "NoRestartBackoffTimeStrategy\n\tat org.apache.flink.runtime.executiongraph.failover." +
        "ExecutionFailureHandler.handleFailure(ExecutionFailureHandler.java:180)\n" +
        "Caused by: java.lang.RuntimeException: boom",
      "serialized-throwable": "rO0ABXNy",
    },
  },
};

export const TASK_MANAGERS = {
  taskmanagers: [
    {
      id: "10.244.0.7:39457-2b4c1e",
      path: "pekko.tcp://flink@10.244.0.7:6122/user/rpc/taskmanager_0",
      dataPort: 41_000,
      jmxPort: -1,
      timeSinceLastHeartbeat: 1_700_000_059_000,
      slotsNumber: 2,
      freeSlots: 0,
      totalResource: { cpuCores: 2, taskHeapMemory: 384, managedMemory: 512 },
      freeResource: { cpuCores: 0, taskHeapMemory: 0, managedMemory: 0 },
      hardware: { cpuCores: 8, physicalMemory: 16e9, freeMemory: 500e6, managedMemory: 512e6 },
      memoryConfiguration: {},
      blocked: false,
    },
  ],
};
