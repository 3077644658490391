/**
 * A Java exception as Flink reports it over REST: a class name, a message and a cause chain,
 * rendered into stack-trace text. Only the shape matters to clients, so the frames are fixed.
 */
export interface SimThrowable {
  className: string;
  message: string;
  cause?: SimThrowable;
}

export function throwable(className: string, message: string, cause?: SimThrowable): SimThrowable {
  return { className, message, cause };
}

export function stackTraceOf(t: SimThrowable): string {
  const lines: string[] = [];
  let current: SimThrowable | undefined = t;
  let first = true;
  while (current) {
    // A Java exception without a message prints as its class name alone.
    const header = current.message === ""
      ? current.className
      : `${current.className}: ${current.message}`;
    lines.push(first ? header : `Caused by: ${header}`);
    lines.push(`\tat org.apache.flink.sim.FlinkSimulator.run(FlinkSimulator.java:1)`);
    if (!first) lines.push("\t... 1 more");
    first = false;
    current = current.cause;
  }
  return lines.join("\n");
}

/** The innermost message, which is what users want to read. */
export function rootMessageOf(t: SimThrowable): string {
  let current = t;
  while (current.cause) current = current.cause;
  return `${current.className}: ${current.message}`;
}

/**
 * Flink's SerializedThrowable JSON (`failure-cause` / `failureCause`). The real
 * `serialized-throwable` is base64 of a Java-serialised object; the simulator puts base64 of the
 * stack trace there since no client can deserialise Java objects without a JVM anyway.
 */
export function serializedThrowableJson(t: SimThrowable): Record<string, unknown> {
  const trace = stackTraceOf(t);
  return {
    "class": t.className,
    "stack-trace": trace,
    "serialized-throwable": btoa(String.fromCharCode(...new TextEncoder().encode(trace))),
  };
}

export const FlinkExceptions = {
  checkpoint: "org.apache.flink.runtime.checkpoint.CheckpointException",
  jobInitialization: "org.apache.flink.runtime.client.JobInitializationException",
  fileNotFound: "java.io.FileNotFoundException",
  flink: "org.apache.flink.util.FlinkException",
  flinkRuntime: "org.apache.flink.util.FlinkRuntimeException",
  runtime: "java.lang.RuntimeException",
  jobNotFound: "org.apache.flink.runtime.messages.FlinkJobNotFoundException",
  illegalState: "java.lang.IllegalStateException",
  illegalArgument: "java.lang.IllegalArgumentException",
  io: "java.io.IOException",
  completion: "java.util.concurrent.CompletionException",
  unsupportedOperation: "java.lang.UnsupportedOperationException",
  malformedUrl: "java.net.MalformedURLException",
  restHandler: "org.apache.flink.runtime.rest.handler.RestHandlerException",
  restNotFound: "org.apache.flink.runtime.rest.NotFoundException",
  illegalConfiguration: "org.apache.flink.configuration.IllegalConfigurationException",
  clusterEntrypoint: "org.apache.flink.runtime.entrypoint.ClusterEntrypointException",
  programInvocation: "org.apache.flink.client.program.ProgramInvocationException",
} as const;

/** What a CompletableFuture reports when the work behind it failed: the cause's text. */
export function completionOf(cause: SimThrowable): SimThrowable {
  return throwable(FlinkExceptions.completion, `${cause.className}: ${cause.message}`, cause);
}
