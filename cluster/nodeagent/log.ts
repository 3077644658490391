/**
 * One line per notable event on stdout (`<time> <level> <message>`): the cluster launcher sends
 * the agent's stdout to a file, and a grep-able line per event is what a failing test needs.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export function stdoutLogger(component = "node-agent"): Logger {
  const line = (level: string, message: string) =>
    console.log(`${new Date().toISOString()} ${level} ${component}: ${message}`);
  return {
    info: (m) => line("INFO ", m),
    warn: (m) => line("WARN ", m),
    error: (m) => line("ERROR", m),
  };
}

/** Discards everything; for unit tests. */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** The error's message on one line (API server messages may carry newlines). */
export function describeError(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s*\n\s*/g, " ").trim();
}
