/**
 * Observe phase of a FlinkSessionJob (FKO FlinkSessionJobObserver): the job through its session
 * cluster's REST API, only while that cluster's JobManager is READY. A job seen RUNNING whose
 * cluster went away is no longer known to run.
 */
import { getLogger } from "@logtape/logtape";
import { errorMessage } from "../../error_message.ts";
import { observeJob, readyToObserve } from "../job/observe_job.ts";
import { rest } from "../job/resource_pass.ts";
import { isFlinkUnavailable } from "../rest/errors.ts";
import type { SessionJobPass } from "./pass.ts";
import { sessionClusterReady } from "./session_cluster.ts";

const log = getLogger(["flinkop", "sessionjob", "observe"]);

export async function observeSessionJob(p: SessionJobPass): Promise<void> {
  const js = p.status.jobStatus;
  if (!sessionClusterReady(p.session)) {
    if (js.state === "RUNNING") js.state = "RECONCILING";
    return;
  }
  if (!await readyToObserve(p)) return;
  try {
    await observeJob(p, await rest(p));
  } catch (err) {
    if (!isFlinkUnavailable(err)) throw err;
    log.info("session cluster REST not reachable ({error})", { error: errorMessage(err) });
    if (js.state === "RUNNING") js.state = "RECONCILING";
  }
}
