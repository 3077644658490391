import { JobTerminatedError } from "./job.ts";
import {
  executionResultJson,
  jobAccumulatorsJson,
  jobConfigJson,
  jobDetailsJson,
  jobExceptionsJson,
  jobMetrics,
  jobOverviewJson,
  vertexIdOf,
} from "./job_json.ts";
import type { JobManagerApi } from "./jobmanager_api.ts";
import { FlinkExceptions, throwable } from "./failure.ts";
import { handlerError, jobNotFound, serverSideError } from "./rest_errors.ts";
import { jsonResponse, RestError, type RestRouter } from "./rest_router.ts";

/** Job listing, details, results, metrics and cancellation. */
export function registerJobRoutes(router: RestRouter, jm: JobManagerApi): void {
  router.on(
    "GET",
    "/jobs",
    () => jsonResponse({ jobs: jm.jobs().map((j) => ({ id: j.id, status: j.state })) }),
  );

  router.on("GET", "/jobs/overview", () => {
    const now = Date.now();
    return jsonResponse({ jobs: jm.jobs().map((j) => jobOverviewJson(j, jm.version, now)) });
  });

  router.on(
    "GET",
    "/jobs/:jobid",
    ({ params }) => jsonResponse(jobDetailsJson(jm.job(params.jobid), jm.version, Date.now())),
  );

  router.on("GET", "/jobs/:jobid/status", ({ params }) => {
    // Asked of the Dispatcher directly, which fails for a job it does not know: a 500.
    const job = jm.findJob(params.jobid);
    if (!job) throw serverSideError(jobNotFound(params.jobid));
    return jsonResponse({ status: job.state });
  });

  router.on(
    "GET",
    "/jobs/:jobid/execution-result",
    ({ params }) => jsonResponse(executionResultJson(jm.job(params.jobid), Date.now())),
  );

  router.on("GET", "/jobs/:jobid/exceptions", ({ params, url }) => {
    const max = Number.parseInt(url.searchParams.get("maxExceptions") ?? "20", 10);
    const limit = Number.isFinite(max) && max >= 0 ? max : 20;
    return jsonResponse(jobExceptionsJson(jm.job(params.jobid), jm.version, limit));
  });

  router.on(
    "GET",
    "/jobs/:jobid/config",
    ({ params }) => jsonResponse(jobConfigJson(jm.job(params.jobid), jm.version)),
  );

  router.on(
    "GET",
    "/jobs/:jobid/accumulators",
    ({ params }) => jsonResponse(jobAccumulatorsJson(jm.job(params.jobid), Date.now())),
  );

  router.on("GET", "/jobs/:jobid/metrics", ({ params, url }) => {
    const metrics = jobMetrics(jm.job(params.jobid), jm.version, Date.now());
    const requested = url.searchParams.getAll("get").flatMap((g) => g.split(",")).map((s) =>
      s.trim()
    ).filter(Boolean);
    if (requested.length === 0) return jsonResponse(Object.keys(metrics).map((id) => ({ id })));
    return jsonResponse(
      requested.filter((id) => id in metrics).map((id) => ({ id, value: metrics[id] })),
    );
  });

  router.on("GET", "/jobs/:jobid/resource-requirements", ({ params }) => {
    const job = jm.job(params.jobid);
    requireAdaptiveScheduler(jm);
    return jsonResponse({
      [vertexIdOf(job)]: { parallelism: { lowerBound: 1, upperBound: job.parallelism } },
    });
  });

  router.on("PUT", "/jobs/:jobid/resource-requirements", async ({ params, request }) => {
    const job = jm.job(params.jobid);
    let body: Record<string, { parallelism?: { upperBound?: unknown } }>;
    try {
      body = await request.json();
    } catch {
      throw new RestError(400, [
        "Request did not match expected format JobResourceRequirementsBody.",
      ]);
    }
    if (!body || typeof body !== "object" || Object.keys(body).length === 0) {
      throw handlerError(400, "Request body does not specify resource requirements.");
    }
    requireAdaptiveScheduler(jm);
    const upper = body?.[vertexIdOf(job)]?.parallelism?.upperBound;
    if (typeof upper !== "number" || !Number.isInteger(upper) || upper < 1) {
      throw new RestError(400, [
        "Request did not match expected format JobResourceRequirementsBody.",
      ]);
    }
    job.rescale(upper);
    return jsonResponse({});
  });

  router.on("PATCH", "/jobs/:jobid", ({ params, url }) => {
    const mode = url.searchParams.get("mode") ?? "cancel";
    if (mode !== "cancel") {
      throw new RestError(400, [`Invalid value '${mode}' for query parameter mode.`]);
    }
    const job = jm.findJob(params.jobid);
    if (!job) throw handlerError(404, "Job could not be found.", jobNotFound(params.jobid));
    try {
      job.cancel();
    } catch (err) {
      if (err instanceof JobTerminatedError) {
        throw handlerError(
          409,
          "Job cancellation failed because the job has already reached another terminal state " +
            `(${err.state}).`,
        );
      }
      throw err;
    }
    return jsonResponse({}, 202);
  });
}

/**
 * Resource requirements exist only under the adaptive scheduler, chosen cluster-wide: Flink
 * ignores `jobmanager.scheduler` in a job's own configuration.
 */
function requireAdaptiveScheduler(jm: JobManagerApi): void {
  if (jm.config.get("jobmanager.scheduler")?.toLowerCase() === "adaptive") return;
  throw serverSideError(throwable(
    FlinkExceptions.unsupportedOperation,
    "The DefaultScheduler does not support changing the parallelism without a job restart. " +
      "This feature is currently only expected to work with the AdaptiveScheduler.",
  ));
}
