import type { SavepointFormat, SnapshotOutcome } from "./checkpoint_coordinator.ts";
import { type CheckpointStatsView, checkpointStatsView } from "./checkpoint_json.ts";
import { completionOf, serializedThrowableJson } from "./failure.ts";
import {
  checkpointIntervalMsOf,
  defaultSavepointDirOf,
  retentionPolicyOf,
  savepointDirKeyName,
  tolerableCheckpointFailuresOf,
} from "./flink_options.ts";
import { isFlinkId, javaStringHashCode } from "./ids.ts";
import { isGloballyTerminal, type SimJob } from "./job.ts";
import type { JobManagerApi } from "./jobmanager_api.ts";
import type { OperationStatus } from "./operations.ts";
import { optionalBool, optionalString, readBody } from "./rest_bodies.ts";
import { handlerError, jobNotFound, notFoundError } from "./rest_errors.ts";
import { jsonResponse, RestError, type RestRouter } from "./rest_router.ts";
import { disposeSavepoint } from "./savepoint_disposal.ts";
import { isAtLeast } from "./version.ts";

/** Savepoints, stop-with-savepoint, checkpoints and savepoint disposal. */
export function registerSnapshotRoutes(router: RestRouter, jm: JobManagerApi): void {
  router.on("POST", "/jobs/:jobid/savepoints", async ({ params, request }) => {
    const job = liveJob(jm, params.jobid);
    const body = await readBody(request, "SavepointTriggerRequestBody", {
      "target-directory": "string",
      "cancel-job": "boolean",
      "triggerId": "string",
      ...(isAtLeast(jm.version, 1, 15) ? { formatType: "string" as const } : {}),
    });
    const target = savepointTarget(
      jm,
      optionalString(body, "target-directory"),
      "target-directory",
    );
    const format = savepointFormat(body, "SavepointTriggerRequestBody");
    const cancelJob = optionalBool(body, "cancel-job") ?? false;
    const id = jm.operations.trigger(
      `savepoint:${params.jobid.toLowerCase()}`,
      triggerIdOf(body),
      job
        ? async () => savepointResult(await job.triggerSavepoint(target, format, cancelJob))
        : noJobMaster(params.jobid, "failure-cause"),
    );
    return jsonResponse({ "request-id": id }, 202);
  });

  router.on("POST", "/jobs/:jobid/stop", async ({ params, request }) => {
    const job = liveJob(jm, params.jobid);
    const body = await readBody(request, "StopWithSavepointRequestBody", {
      targetDirectory: "string",
      drain: "boolean",
      triggerId: "string",
      ...(isAtLeast(jm.version, 1, 15) ? { formatType: "string" as const } : {}),
    });
    const target = savepointTarget(jm, optionalString(body, "targetDirectory"), "targetDirectory");
    const format = savepointFormat(body, "StopWithSavepointRequestBody");
    if (job && optionalBool(body, "drain")) {
      jm.log(`Draining job ${job.id} before the final savepoint.`);
    }
    const id = jm.operations.trigger(
      `savepoint:${params.jobid.toLowerCase()}`,
      triggerIdOf(body),
      job
        ? async () => savepointResult(await job.stopWithSavepoint(target, format))
        : noJobMaster(params.jobid, "failure-cause"),
    );
    return jsonResponse({ "request-id": id }, 202);
  });

  router.on(
    "GET",
    "/jobs/:jobid/savepoints/:triggerid",
    ({ params }) =>
      operationResponse(
        jm.operations.get(
          `savepoint:${params.jobid.toLowerCase()}`,
          params.triggerid.toLowerCase(),
        ),
        () =>
          handlerError(
            404,
            `There is no savepoint operation with triggerId=${params.triggerid} for job ` +
              `${params.jobid}.`,
          ),
      ),
  );

  router.on(
    "GET",
    "/jobs/:jobid/checkpoints",
    ({ params }) => jsonResponse(checkpointStats(jm, params.jobid).stats),
  );

  // Registered before the trigger-status route, which would otherwise match "config".
  router.on("GET", "/jobs/:jobid/checkpoints/config", ({ params }) => {
    const job = jm.job(params.jobid);
    const retention = retentionPolicyOf(job.config);
    return jsonResponse({
      mode: "exactly_once",
      interval: checkpointIntervalMsOf(job.config) ?? 0x7fffffffffffffff,
      timeout: 600000,
      min_pause: 0,
      max_concurrent: 1,
      externalization: {
        enabled: retention !== "NO_EXTERNALIZED_CHECKPOINTS",
        delete_on_cancellation: retention !== "RETAIN_ON_CANCELLATION",
      },
      state_backend: "HashMapStateBackend",
      checkpoint_storage: "FileSystemCheckpointStorage",
      unaligned_checkpoints: false,
      tolerable_failed_checkpoints: tolerableCheckpointFailuresOf(job.config),
      aligned_checkpoint_timeout: 0,
      checkpoints_after_tasks_finish: true,
    });
  });

  router.on("GET", "/jobs/:jobid/checkpoints/details/:checkpointid", ({ params }) => {
    const details = checkpointStats(jm, params.jobid).details.get(Number(params.checkpointid));
    if (!details) {
      throw handlerError(
        404,
        `Could not find checkpointing statistics for checkpoint ${params.checkpointid}.`,
      );
    }
    return jsonResponse(details);
  });

  if (isAtLeast(jm.version, 1, 17)) {
    router.on("POST", "/jobs/:jobid/checkpoints", async ({ params, request }) => {
      const job = liveJob(jm, params.jobid);
      const body = await readBody(request, "CheckpointTriggerRequestBody", {
        checkpointType: "string",
        triggerId: "string",
      });
      const type = (optionalString(body, "checkpointType") ?? "CONFIGURED").toUpperCase();
      if (type === "INCREMENTAL") {
        throw new RestError(400, [
          "Triggering an incremental checkpoint is not supported; use CONFIGURED or FULL.",
        ]);
      }
      if (type !== "CONFIGURED" && type !== "FULL") {
        throw new RestError(400, [
          "Request did not match expected format CheckpointTriggerRequestBody.",
        ]);
      }
      const id = jm.operations.trigger(
        `checkpoint:${params.jobid.toLowerCase()}`,
        triggerIdOf(body),
        job
          ? async () => {
            const outcome = await job.checkpoints.triggerCheckpoint();
            return outcome.ok
              ? { checkpointId: outcome.record.id }
              : { failureCause: serializedThrowableJson(outcome.failure) };
          }
          : noJobMaster(params.jobid, "failureCause"),
      );
      return jsonResponse({ "request-id": id }, 202);
    });

    router.on(
      "GET",
      "/jobs/:jobid/checkpoints/:triggerid",
      ({ params }) =>
        operationResponse(
          jm.operations.get(
            `checkpoint:${params.jobid.toLowerCase()}`,
            params.triggerid.toLowerCase(),
          ),
          () =>
            handlerError(
              404,
              `There is no checkpoint operation with triggerId=${params.triggerid} for job ` +
                `${params.jobid}.`,
            ),
        ),
    );
  }

  router.on("POST", "/savepoint-disposal", async ({ request }) => {
    const body = await readBody(request, "SavepointDisposalRequest", {
      "savepoint-path": "string",
    });
    const path = optionalString(body, "savepoint-path");
    if (!path) {
      throw new RestError(400, ["Request did not match expected format SavepointDisposalRequest."]);
    }
    const id = jm.operations.trigger("disposal", undefined, async () => {
      await jm.timers.sleep(jm.timings.disposalMs);
      const failure = await disposeSavepoint(jm.fs, path, {
        namespace: jm.namespace,
        podName: jm.podName,
        log: (m) => jm.log(m),
      });
      return failure ? { "failure-cause": serializedThrowableJson(failure) } : {};
    });
    return jsonResponse({ "request-id": id });
  });

  router.on(
    "GET",
    "/savepoint-disposal/:triggerid",
    ({ params }) =>
      operationResponse(
        jm.operations.get("disposal", params.triggerid),
        () =>
          notFoundError(
            "Operation not found under key: org.apache.flink.runtime.rest.handler.async." +
              `OperationKey@${(javaStringHashCode(params.triggerid) >>> 0).toString(16)}`,
          ),
      ),
  );
}

/** The job's checkpoint statistics, from Flink's checkpoint statistics cache. */
function checkpointStats(jm: JobManagerApi, jobId: string): CheckpointStatsView {
  const job = jm.job(jobId);
  return jm.viewCaches.checkpointStats.get(job.id, () => checkpointStatsView(job, Date.now()));
}

/**
 * The target directory: the request's, else the cluster's default. A job's own configuration
 * does not count (Flink's REST handler only knows the cluster configuration).
 */
function savepointTarget(
  jm: JobManagerApi,
  requested: string | undefined,
  property: string,
): string {
  const target = requested ?? defaultSavepointDirOf(jm.config);
  if (target) return target;
  throw handlerError(
    400,
    `Config key [${savepointDirKeyName(jm.version)}] is not set. Property [${property}] must be ` +
      "provided.",
  );
}

/**
 * The job a snapshot request goes to, or undefined when no JobMaster runs it: the job is unknown
 * or already globally terminal. Flink still accepts such a request (202) and fails the operation,
 * which the status poll shows.
 */
function liveJob(jm: JobManagerApi, jobId: string): SimJob | undefined {
  const job = jm.findJob(jobId);
  return job && !isGloballyTerminal(job.state) ? job : undefined;
}

/** The outcome of an operation on a job without a JobMaster, under Flink's field name. */
function noJobMaster(
  jobId: string,
  field: "failure-cause" | "failureCause",
): () => Promise<Record<string, unknown>> {
  return () =>
    Promise.resolve({ [field]: serializedThrowableJson(completionOf(jobNotFound(jobId))) });
}

function savepointFormat(body: Record<string, unknown>, bodyName: string): SavepointFormat {
  const value = (optionalString(body, "formatType") ?? "CANONICAL").toUpperCase();
  if (value !== "CANONICAL" && value !== "NATIVE") {
    throw new RestError(400, [`Request did not match expected format ${bodyName}.`]);
  }
  return value;
}

function triggerIdOf(body: Record<string, unknown>): string | undefined {
  const id = optionalString(body, "triggerId");
  if (id !== undefined && !isFlinkId(id)) {
    throw new RestError(400, [`Invalid triggerId: ${id}`]);
  }
  return id?.toLowerCase();
}

function savepointResult(outcome: SnapshotOutcome): Record<string, unknown> {
  return outcome.ok
    ? { location: outcome.record.externalPath }
    : { "failure-cause": serializedThrowableJson(outcome.failure) };
}

function operationResponse(
  status: OperationStatus | undefined,
  notFound: () => RestError,
): Response {
  if (!status) throw notFound();
  if (status.status === "IN_PROGRESS") {
    return jsonResponse({ status: { id: "IN_PROGRESS" }, operation: null });
  }
  return jsonResponse({ status: { id: "COMPLETED" }, operation: status.operation });
}
