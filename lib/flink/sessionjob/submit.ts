/**
 * Starting a session job (FKO SessionJobReconciler.deploy + AbstractFlinkService
 * .submitJobToSessionCluster): the job id is written to status before anything is sent, and a
 * retry after a failed or interrupted submission reuses it, so Flink — which refuses a second
 * job with the same id — can never end up running the job twice. Then the jar is fetched,
 * uploaded (`POST /jars/upload`), run (`POST /jars/:id/run`) and deleted again.
 */
import { getLogger } from "@logtape/logtape";
import type { FlinkSessionJobSpec } from "../../api/flink_session_job.ts";
import type { JobSpec } from "../../api/job_spec.ts";
import { errorMessage } from "../../error_message.ts";
import type { DeployOptions } from "../job/job_driver.ts";
import { event, rest, save } from "../job/resource_pass.ts";
import { applyJobConfig } from "../render/mod.ts";
import { jarRunRefusal } from "../rest/jar_run_refusal.ts";
import { fetchJar, removeJar } from "./artifacts.ts";
import type { SessionJobPass } from "./pass.ts";

const log = getLogger(["flinkop", "sessionjob", "submit"]);

function newJobId(): string {
  return crypto.randomUUID().replaceAll("-", "");
}

export async function submitSessionJob(
  p: SessionJobPass,
  spec: FlinkSessionJobSpec,
  opts: DeployOptions,
): Promise<void> {
  const job = spec.job!;
  // Recorded while the job is submitted (nothing below depends on it).
  const submitEvent = event(p, {
    type: "Normal",
    reason: "Submit",
    message: "Starting deployment",
    component: "Job",
  });
  try {
    await submit(p, job, opts);
  } finally {
    await submitEvent;
  }
}

async function submit(p: SessionJobPass, job: JobSpec, opts: DeployOptions): Promise<void> {
  const js = p.status.jobStatus;
  if (js.jobId && js.state === "RECONCILING") {
    log.info("reusing job id {jobId} of an unfinished submission", { jobId: js.jobId });
  } else {
    js.jobId = newJobId();
    js.state = "RECONCILING";
    await save(p, "job-id-recorded");
  }
  const flinkVersion = p.driver.flinkVersion(p);
  if (!flinkVersion) throw new Error("the session cluster's spec.flinkVersion is not known");

  const client = await rest(p);
  const jar = await fetchJar(
    job.jarURI,
    {
      namespace: p.ns,
      sessionCluster: p.driver.clusterId(p),
      job: p.name,
    },
    p.rc,
    p.ctx.signal,
  );
  let jarId: string;
  try {
    jarId = await client.uploadJar(await Deno.readFile(jar.path), jar.filename);
  } finally {
    await removeJar(jar);
  }
  try {
    const configuration = { ...p.rc.flinkOptions };
    applyJobConfig(configuration, p.name, job);
    await client.runJar(jarId, {
      entryClass: job.entryClass,
      programArgsList: job.args,
      parallelism: job.parallelism,
      jobId: js.jobId,
      savepointPath: opts.savepointPath,
      allowNonRestoredState: job.allowNonRestoredState,
      flinkConfiguration: configuration,
    }, flinkVersion).catch((err) => {
      // A job that fails while starting stays on the cluster as FAILED with this id; the next
      // pass finds it (alreadyDeployed) and the observer records its failure, as in FKO.
      throw jarRunRefusal(err, { jobId: js.jobId, cluster: p.driver.clusterId(p) });
    });
  } finally {
    await client.deleteJar(jarId).catch((err) =>
      log.warn("could not delete uploaded jar {jarId}: {error}", {
        jarId,
        error: errorMessage(err),
      })
    );
  }
  log.info("submitted job {jobId} to session cluster {cluster} (restore {path})", {
    jobId: js.jobId,
    cluster: p.driver.clusterId(p),
    path: opts.savepointPath ?? "none",
  });
}
