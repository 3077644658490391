import { FlinkExceptions, type SimThrowable, stackTraceOf, throwable } from "./failure.ts";
import { RestError } from "./rest_router.ts";

/*
 * Flink's REST error answers, as its handlers phrase them: `{"errors": [<stack trace>]}` for the
 * errors a handler raises itself (RestHandlerException, NotFoundException), and
 * `["Internal server error.", "<Exception on server side: …>"]` for exceptions from inside the
 * cluster (FlinkJobNotFoundException from the Dispatcher, UnsupportedOperationException from the
 * scheduler), which Flink answers with 500.
 */

/** A RestHandlerException the handler throws with this status. */
export function handlerError(status: number, message: string, cause?: SimThrowable): RestError {
  return new RestError(status, [
    stackTraceOf(throwable(FlinkExceptions.restHandler, message, cause)),
  ]);
}

/** Flink's NotFoundException (404). */
export function notFoundError(message: string): RestError {
  return new RestError(404, [stackTraceOf(throwable(FlinkExceptions.restNotFound, message))]);
}

/** An exception from inside the cluster, answered with 500. */
export function serverSideError(failure: SimThrowable): RestError {
  return new RestError(500, [
    "Internal server error.",
    `<Exception on server side:\n${stackTraceOf(failure)}\n\nEnd of exception on server side>`,
  ]);
}

/** What the Dispatcher raises for a job it has no JobMaster for (unknown, or already ended). */
export function jobNotFound(jobId: string): SimThrowable {
  return throwable(FlinkExceptions.jobNotFound, `Could not find Flink job (${jobId})`);
}
