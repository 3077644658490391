import { type ClaimMode, jobNameOf, parseClaimMode, SAVEPOINT_PATH_KEYS } from "./flink_options.ts";
import { FlinkConfig } from "./flink_config.ts";
import { isFlinkId, newJobId } from "./ids.ts";
import type { JobManagerApi } from "./jobmanager_api.ts";
import { type BodySchema, optionalBool, optionalString, readBody } from "./rest_bodies.ts";
import { completionOf, FlinkExceptions, type SimThrowable, throwable } from "./failure.ts";
import { handlerError } from "./rest_errors.ts";
import { jsonResponse, RestError, type RestRouter, type RouteRequest } from "./rest_router.ts";
import { isAtLeast } from "./version.ts";

/** Session-mode job submission: upload a jar, run it, delete it. */
export function registerJarRoutes(router: RestRouter, jm: JobManagerApi): void {
  // Without web.submit.enable Flink does not register these handlers at all.
  const enabled = jm.config.getBool(["web.submit.enable"], true);
  const guard =
    (handler: (req: RouteRequest) => Promise<Response> | Response) => (req: RouteRequest) => {
      if (!enabled) throw new RestError(404, ["Not found: " + req.url.pathname]);
      return handler(req);
    };

  router.on(
    "POST",
    "/jars/upload",
    guard(async ({ request }) => {
      let form: FormData;
      try {
        form = await request.formData();
      } catch {
        throw new RestError(400, ["Exactly 1 file must be sent, received 0."]);
      }
      const files = [...form.values()].filter((v): v is File => v instanceof File);
      if (files.length !== 1) {
        throw new RestError(400, [`Exactly 1 file must be sent, received ${files.length}.`]);
      }
      const file = files[0];
      if (!file.name.endsWith(".jar")) throw new RestError(400, ["Only Jar files are allowed."]);
      const jar = await jm.jars.save(file.name, new Uint8Array(await file.arrayBuffer()));
      return jsonResponse({ filename: jar.containerPath, status: "success" });
    }),
  );

  router.on(
    "GET",
    "/jars",
    guard(() =>
      jsonResponse({
        address: jm.restUrl,
        files: jm.jars.list().map((j) => ({
          id: j.id,
          name: j.name,
          uploaded: j.uploaded,
          entry: [],
        })),
      })
    ),
  );

  router.on(
    "DELETE",
    "/jars/:jarid",
    guard(async ({ params }) => {
      if (!(await jm.jars.delete(params.jarid))) {
        throw new RestError(400, [`File ${params.jarid} does not exist in ${jm.jars.directory}.`]);
      }
      return jsonResponse({});
    }),
  );

  router.on(
    "POST",
    "/jars/:jarid/run",
    guard(async ({ params, request, url }) => {
      const body = await readBody(request, "JarRunRequestBody", jarRunSchema(jm));
      const jar = jm.jars.get(params.jarid);
      if (!jar) {
        throw new RestError(400, [`Jar file ${jm.jars.directory}/${params.jarid} does not exist`]);
      }
      const q = url.searchParams;
      const jobId = optionalString(body, "jobId") ?? undefined;
      if (jobId !== undefined && !isFlinkId(jobId)) {
        throw new RestError(400, [`Invalid jobId: ${jobId}`]);
      }
      const overrides = (body.flinkConfiguration as Record<string, string> | undefined) ?? {};
      const jobConfig = new FlinkConfig(overrides);
      const entryClass = optionalString(body, "entryClass") ?? q.get("entry-class") ?? undefined;
      const parallelism = typeof body.parallelism === "number" && body.parallelism > 0
        ? body.parallelism
        : Number.parseInt(q.get("parallelism") ?? "", 10);
      const effective = jm.config.with(overrides);
      const savepointPath = optionalString(body, "savepointPath") ?? q.get("savepointPath") ??
        jobConfig.get(...SAVEPOINT_PATH_KEYS);
      const claimText = optionalString(body, "claimMode") ?? optionalString(body, "restoreMode");
      const claimMode: ClaimMode | undefined = claimText ? parseClaimMode(claimText) : "NO_CLAIM";
      if (!claimMode) {
        throw new RestError(400, ["Request did not match expected format JarRunRequestBody."]);
      }
      const allowNonRestored = optionalBool(body, "allowNonRestoredState") ??
        q.get("allowNonRestoredState") === "true";
      const programArgs = (body.programArgsList as string[] | undefined) ??
        splitProgramArgs(optionalString(body, "programArgs") ?? q.get("programArg") ?? "");
      const job = await jm.submitJob({
        jobId: (jobId ?? newJobId()).toLowerCase(),
        name: jobNameOf(effective, entryClass),
        entryClass,
        programArgs,
        parallelism: Number.isFinite(parallelism) && parallelism > 0
          ? parallelism
          : Math.max(1, effective.getInt(["parallelism.default"], 1)),
        configOverrides: overrides,
        savepointRestore: savepointPath
          ? { path: savepointPath, allowNonRestoredState: allowNonRestored, claimMode }
          : undefined,
      });
      // The program's execute() waits until the job is initialised and fails with it: the job
      // stays listed as FAILED, and the run answers 400.
      await job.initialized;
      if (job.state === "FAILED" && !job.hasExecutionGraph && job.failure) {
        throw couldNotExecuteApplication(job.name, job.failure.failure);
      }
      return jsonResponse({ jobid: job.id });
    }),
  );
}

/** The jar run's answer when the job failed to initialise: the program's main() failed with it. */
function couldNotExecuteApplication(jobName: string, failure: SimThrowable): RestError {
  const executeFailed = throwable(
    FlinkExceptions.flink,
    `Failed to execute job '${jobName}'.`,
    throwable(FlinkExceptions.runtime, `${failure.className}: ${failure.message}`, failure),
  );
  const application = throwable(
    FlinkExceptions.flinkRuntime,
    "Could not execute application.",
    throwable(
      FlinkExceptions.programInvocation,
      `The main method caused an error: ${executeFailed.message}`,
      executeFailed,
    ),
  );
  return handlerError(400, "Could not execute application.", completionOf(application));
}

/** Fields of JarRunRequestBody by version (the strict mapper rejects the others). */
function jarRunSchema(jm: JobManagerApi): BodySchema {
  const schema: BodySchema = {
    entryClass: "string",
    programArgsList: "string[]",
    parallelism: "integer",
    jobId: "string",
    allowNonRestoredState: "boolean",
    savepointPath: "string",
  };
  if (!isAtLeast(jm.version, 2, 0)) {
    schema.programArgs = "string";
    schema.restoreMode = "string";
  }
  if (isAtLeast(jm.version, 1, 20)) schema.claimMode = "string";
  if (isAtLeast(jm.version, 1, 17)) schema.flinkConfiguration = "string-map";
  return schema;
}

function splitProgramArgs(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean);
}
