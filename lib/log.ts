import { AsyncLocalStorage } from "node:async_hooks";
import {
  configureSync,
  getConfig,
  getLogger as getLogTapeLogger,
  type Logger,
  type LogLevel,
  type LogRecord,
  resetSync,
  type Sink,
  withContext,
} from "@logtape/logtape";
import { formatJsonLine, formatTextLine } from "./log/format_record.ts";
import { redactSecrets } from "./log/redact_secrets.ts";
import { redactSecretText } from "./log/redact_text.ts";

export { isSecretKey, REDACTED, redactSecrets } from "./log/redact_secrets.ts";
export type { Logger, LogLevel } from "@logtape/logtape";

/** Root category of every operator logger. */
export const ROOT_CATEGORY = "flinkop";

export type LogFormat = "json" | "text" | "auto";

export interface LoggingOptions {
  /** json: JSON Lines; text: one readable line; auto (default): text on a terminal, else json. */
  readonly format?: LogFormat;
  /** Lowest level written; default "info". "warn" is accepted for "warning". */
  readonly level?: LogLevel | "warn";
  /** Where formatted lines go (each ends in "\n"); default: synchronous writes to stdout. */
  readonly write?: (line: string) => void;
  /** Overrides the terminal detection used by format "auto". */
  readonly isTerminal?: boolean;
}

/**
 * The resource a reconcile works on; logged with every line inside withResourceContext. The
 * property names kind, namespace and name are therefore reserved: a log call passing its own
 * `name` would shadow the resource's.
 */
export interface ResourceContext {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

const contextStorage = new AsyncLocalStorage<Record<string, unknown>>();
const encoder = new TextEncoder();

/**
 * Configures LogTape for the whole process (replacing any earlier configuration): loggers under
 * ["flinkop"] write to stdout, secrets redacted, with implicit contexts enabled so
 * {@link withResourceContext} reaches nested async code.
 */
export function setupLogging(options: LoggingOptions = {}): void {
  const isTerminal = options.isTerminal ?? safeIsTerminal();
  const format = options.format === "text" || (options.format !== "json" && isTerminal)
    ? formatTextLine
    : formatJsonLine;
  const write = options.write ?? writeStdout;
  const sink: Sink = (record) => write(format(redactRecord(record)));
  configureSync({
    reset: true,
    contextLocalStorage: contextStorage,
    sinks: { main: sink },
    loggers: [
      { category: [ROOT_CATEGORY], sinks: ["main"], lowestLevel: normalizeLevel(options.level) },
      // LogTape's own diagnostics: only problems, and not the "configured" notice.
      { category: ["logtape", "meta"], sinks: ["main"], lowestLevel: "warning" },
    ],
  });
}

/** Removes the logging configuration (mainly for tests). */
export function resetLogging(): void {
  resetSync();
}

/** A logger under the operator's root category, e.g. getLogger("reconciler", "deployment"). */
export function getLogger(...category: string[]): Logger {
  return getLogTapeLogger([ROOT_CATEGORY, ...category]);
}

/**
 * Runs `fn` so that every log line it (and any async work it starts) writes carries the
 * resource's kind, namespace and name.
 */
export function withResourceContext<T>(resource: ResourceContext, fn: () => T): T {
  const context: Record<string, unknown> = { kind: resource.kind, name: resource.name };
  if (resource.namespace !== undefined) context.namespace = resource.namespace;
  // Without configured context storage LogTape would only warn on every call.
  return getConfig()?.contextLocalStorage === undefined ? fn() : withContext(context, fn);
}

function redactRecord(record: LogRecord): LogRecord {
  const properties = redactSecrets(record.properties);
  for (const [key, value] of Object.entries(properties)) {
    // Error messages and other text: `secret-key: value` pairs inside them.
    if (typeof value === "string") properties[key] = redactSecretText(value);
  }
  return {
    ...record,
    properties,
    // Placeholders render values from the properties, but the message holds its own copies.
    message: record.message.map((part, index) =>
      index % 2 === 0
        ? part
        : typeof part === "string"
        ? redactSecretText(part)
        : redactSecrets(part)
    ),
  };
}

function normalizeLevel(level: LogLevel | "warn" | undefined): LogLevel {
  return level === undefined ? "info" : level === "warn" ? "warning" : level;
}

function writeStdout(line: string): void {
  const bytes = encoder.encode(line);
  let written = 0;
  while (written < bytes.length) written += Deno.stdout.writeSync(bytes.subarray(written));
}

function safeIsTerminal(): boolean {
  try {
    return Deno.stdout.isTerminal();
  } catch {
    return false;
  }
}
