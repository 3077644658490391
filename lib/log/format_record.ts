import type { LogLevel, LogRecord } from "@logtape/logtape";
import { renderValue, toJsonValue } from "./json_value.ts";

const LEVEL_LABELS: Readonly<Record<LogLevel, string>> = {
  trace: "TRACE",
  debug: "DEBUG",
  info: "INFO",
  warning: "WARN",
  error: "ERROR",
  fatal: "FATAL",
};

/** Properties that carry the resource being reconciled (see withResourceContext). */
const RESOURCE_KEYS = ["kind", "namespace", "name"] as const;
const RESERVED_JSON_FIELDS = new Set(["@timestamp", "level", "logger", "message"]);

/** The message with its placeholders filled in. */
export function renderMessage(record: LogRecord): string {
  return record.message.map((part, index) => index % 2 === 0 ? String(part) : renderValue(part))
    .join("");
}

/**
 * One JSON object per line, properties at the top level next to `@timestamp`, `level`, `logger`
 * and `message` (a property clashing with those gets a trailing "_").
 */
export function formatJsonLine(record: LogRecord): string {
  const line: Record<string, unknown> = {
    "@timestamp": new Date(record.timestamp).toISOString(),
    level: LEVEL_LABELS[record.level],
    logger: record.category.join("."),
    message: renderMessage(record),
  };
  for (const [key, value] of Object.entries(record.properties)) {
    if (value === undefined) continue;
    line[RESERVED_JSON_FIELDS.has(key) ? `${key}_` : key] = toJsonValue(value);
  }
  return JSON.stringify(line) + "\n";
}

/**
 * A line for humans: `time LEVEL logger [Kind namespace/name] message key=value ...`, with error
 * stacks on the following lines.
 */
export function formatTextLine(record: LogRecord): string {
  const details: string[] = [];
  const stacks: string[] = [];
  for (const [key, value] of Object.entries(record.properties)) {
    if ((RESOURCE_KEYS as readonly string[]).includes(key) || value === undefined) continue;
    if (value instanceof Error && value.stack) stacks.push(value.stack);
    const text = renderValue(value);
    details.push(`${key}=${/^[^\s"=]+$/.test(text) ? text : JSON.stringify(text)}`);
  }
  const head = `${new Date(record.timestamp).toISOString()} ${
    LEVEL_LABELS[record.level].padEnd(5)
  } ${record.category.join(".")}${resourceLabel(record.properties)} ${renderMessage(record)}`;
  return [[head, ...details].join(" "), ...stacks.map((stack) => indent(stack))].join("\n") + "\n";
}

function resourceLabel({ kind, namespace, name }: Record<string, unknown>): string {
  if (kind === undefined && name === undefined) return "";
  const id = namespace === undefined ? name : `${namespace}/${name ?? ""}`;
  return ` [${[kind, id].filter((part) => part !== undefined && part !== "").join(" ")}]`;
}

function indent(text: string): string {
  return text.split("\n").map((line) => `    ${line}`).join("\n");
}
