/**
 * `GET /jobs/:id/exceptions`, readable from every supported Flink version. All of them carry
 * `exceptionHistory`; 1.x additionally sends deprecated top-level fields (`root-exception`,
 * `all-exceptions`, …) that 2.x dropped, 1.17 entries name the failing host `location` where newer
 * ones say `endpoint`, and old entries may lack `failureLabels`.
 */
import {
  arrayField,
  asObject,
  booleanField,
  type JsonObject,
  numberField,
  objectField,
  stringField,
  stringMapField,
} from "./json_reader.ts";

export interface JobExceptionEntry {
  exceptionName: string;
  stacktrace: string;
  /** Epoch ms. */
  timestamp: number;
  taskName?: string;
  /** `host:port` of the failing TaskManager (1.17's `location`). */
  endpoint?: string;
  taskManagerId?: string;
  failureLabels: Record<string, string>;
  concurrentExceptions: JobExceptionEntry[];
}

export interface JobExceptions {
  /** Newest first. */
  entries: JobExceptionEntry[];
  /** More exceptions exist than were returned. */
  truncated: boolean;
}

export function readJobExceptions(json: unknown): JobExceptions {
  const body = asObject(json);
  const history = objectField(body, "exceptionHistory");
  if (history) {
    return {
      entries: arrayField(history, "entries")
        .map((e) => readEntry(asObject(e)))
        .filter((e): e is JobExceptionEntry => e !== undefined),
      truncated: booleanField(history, "truncated") ?? false,
    };
  }
  // Only the deprecated 1.x root-exception: still worth surfacing as one entry.
  const root = stringField(body, "root-exception");
  if (root) {
    return {
      entries: [{
        exceptionName: root.split("\n")[0].split(":")[0].trim(),
        stacktrace: root,
        timestamp: numberField(body, "timestamp") ?? 0,
        failureLabels: {},
        concurrentExceptions: [],
      }],
      truncated: booleanField(body, "truncated") ?? false,
    };
  }
  return { entries: [], truncated: false };
}

function readEntry(obj: JsonObject | undefined): JobExceptionEntry | undefined {
  if (!obj) return undefined;
  const stacktrace = stringField(obj, "stacktrace") ?? "";
  const entry: JobExceptionEntry = {
    exceptionName: stringField(obj, "exceptionName") ?? stacktrace.split("\n")[0].split(":")[0],
    stacktrace,
    timestamp: numberField(obj, "timestamp") ?? 0,
    failureLabels: stringMapField(obj, "failureLabels"),
    concurrentExceptions: arrayField(obj, "concurrentExceptions")
      .map((c) => readEntry(asObject(c)))
      .filter((c): c is JobExceptionEntry => c !== undefined),
  };
  const taskName = stringField(obj, "taskName");
  const endpoint = stringField(obj, "endpoint") ?? stringField(obj, "location");
  const taskManagerId = stringField(obj, "taskManagerId");
  if (taskName !== undefined) entry.taskName = taskName;
  if (endpoint !== undefined) entry.endpoint = endpoint;
  if (taskManagerId !== undefined) entry.taskManagerId = taskManagerId;
  return entry;
}
