import { JobTerminatedError, type SimJob } from "./job.ts";
import {
  type ExecutionGraphViews,
  executionGraphViews,
  executionResultJson,
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
    ({ params }) => jsonResponse(executionGraph(jm, params.jobid).details),
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
    return jsonResponse(executionGraph(jm, params.jobid).exceptions(limit));
  });

  router.on(
    "GET",
    "/jobs/:jobid/config",
    ({ params }) => jsonResponse(executionGraph(jm, params.jobid).config),
  );

  router.on(
    "GET",
    "/jobs/:jobid/accumulators",
    ({ params }) => jsonResponse(executionGraph(jm, params.jobid).accumulators),
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
    return jsonResponse({ [vertexIdOf(job)]: { parallelism: job.resourceRequirements } });
  });

  router.on("PUT", "/jobs/:jobid/resource-requirements", async ({ params, request }) => {
    const job = jm.job(params.jobid);
    const requested = readRequirementsBody(await request.json().catch(() => undefined));
    if (requested.size === 0) {
      throw handlerError(400, "Request body does not specify resource requirements.");
    }
    // The Dispatcher validates against the job graph before the scheduler is asked.
    const errors = requirementErrors(job, requested);
    if (errors.length > 0) throw handlerError(400, errors.join("\n"));
    requireAdaptiveScheduler(jm);
    await jm.updateResourceRequirements(job, requested.get(vertexIdOf(job))!);
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

const REQUIREMENTS_FORMAT_ERROR =
  "Request did not match expected format JobResourceRequirementsBody.";

/**
 * `JobResourceRequirementsBody`: `{"<vertex id>": {"parallelism": {"lowerBound", "upperBound"}}}`,
 * read as strictly as Flink's mapper (unknown fields, malformed ids, non-integers → 400); an
 * absent bound is 0, as Jackson leaves it.
 */
function readRequirementsBody(
  body: unknown,
): Map<string, { lowerBound: number; upperBound: number }> {
  const fail = () => new RestError(400, [REQUIREMENTS_FORMAT_ERROR]);
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw fail();
  const out = new Map<string, { lowerBound: number; upperBound: number }>();
  for (const [vertex, value] of Object.entries(body)) {
    if (!/^[0-9a-fA-F]{32}$/.test(vertex)) throw fail();
    const requirement = value as { parallelism?: unknown } | null;
    if (typeof requirement !== "object" || requirement === null) throw fail();
    if (Object.keys(requirement).some((k) => k !== "parallelism")) throw fail();
    const bounds = requirement.parallelism as Record<string, unknown> | null | undefined;
    if (typeof bounds !== "object" || bounds === null || Array.isArray(bounds)) throw fail();
    if (Object.keys(bounds).some((k) => k !== "lowerBound" && k !== "upperBound")) throw fail();
    const int = (v: unknown) => {
      if (v === undefined) return 0;
      if (typeof v !== "number" || !Number.isInteger(v)) throw fail();
      return v;
    };
    out.set(vertex.toLowerCase(), {
      lowerBound: int(bounds.lowerBound),
      upperBound: int(bounds.upperBound),
    });
  }
  return out;
}

/**
 * Flink's JobResourceRequirements.validate: every vertex of the job and no other, bounds above
 * zero (-1 meaning 1 and the maximum parallelism), the lower bound not above the upper one, the
 * upper one not above the maximum parallelism. Bounds of -1 are expanded in place.
 */
function requirementErrors(
  job: SimJob,
  requested: Map<string, { lowerBound: number; upperBound: number }>,
): string[] {
  const errors: string[] = [];
  const vertex = vertexIdOf(job);
  for (const [id, bounds] of requested) {
    if (id !== vertex) {
      errors.push(`Job vertex [${id}] was not found in the JobGraph.`);
      continue;
    }
    if (bounds.lowerBound === -1) bounds.lowerBound = 1;
    if (bounds.upperBound === -1) bounds.upperBound = job.maxParallelism;
    const { lowerBound, upperBound } = bounds;
    if (lowerBound < 1 || upperBound < 1) {
      errors.push(
        `Both, the requested lower bound [${lowerBound}] and upper bound [${upperBound}] for ` +
          `job vertex [${id}] must be greater than zero.`,
      );
      continue;
    }
    if (lowerBound > upperBound) {
      errors.push(
        `The requested lower bound [${lowerBound}] for job vertex [${id}] is higher than the ` +
          `upper bound [${upperBound}].`,
      );
    }
    if (job.maxParallelism < upperBound) {
      errors.push(
        `The newly requested parallelism ${upperBound} for the job vertex ${id} exceeds its ` +
          `maximum parallelism ${job.maxParallelism}.`,
      );
    }
  }
  if (!requested.has(vertex)) {
    errors.push(
      `The request is incomplete, missing job vertex [${vertex}] resource requirements.`,
    );
  }
  return errors;
}

/** The job's execution-graph views, from Flink's execution graph cache. */
export function executionGraph(jm: JobManagerApi, jobId: string): ExecutionGraphViews {
  const job = jm.job(jobId);
  return jm.viewCaches.executionGraph.get(
    job.id,
    () => executionGraphViews(job, jm.version, Date.now()),
  );
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
