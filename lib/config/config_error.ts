import { isSecretKey, REDACTED } from "../log/redact_secrets.ts";

/** One invalid configuration entry: the key as the user wrote it and what is wrong with it. */
export interface ConfigProblem {
  readonly key: string;
  readonly message: string;
}

/**
 * Raised for invalid operator or resource configuration. The message always names the offending
 * key(s) so it can be shown verbatim in logs, events and `status.error`.
 */
export class ConfigError extends Error {
  /** The first offending key (empty when the problem is not tied to a key, e.g. a bad flag). */
  readonly key: string;
  readonly problems: readonly ConfigProblem[];

  constructor(problems: ConfigProblem | readonly ConfigProblem[]) {
    const list = (Array.isArray(problems) ? problems : [problems as ConfigProblem])
      .map(withoutSecretValue);
    super(list.map(formatProblem).join("; "));
    this.name = "ConfigError";
    this.key = list[0]?.key ?? "";
    this.problems = list;
  }
}

/**
 * Parse errors quote the value they could not read; under a secret-looking key (password,
 * secret, token, key) that value is the secret itself, and these messages reach logs, events
 * and `status.error`. Found by the fuzzer: `kubernetes.secrets` with a malformed value.
 */
function withoutSecretValue(problem: ConfigProblem): ConfigProblem {
  if (!isSecretKey(problem.key)) return problem;
  return { ...problem, message: problem.message.replace(/"(?:[^"\\]|\\.)*"/g, `"${REDACTED}"`) };
}

function formatProblem(problem: ConfigProblem): string {
  return problem.key === "" ? problem.message : `${problem.key}: ${problem.message}`;
}

/**
 * A value that cannot be converted to the type it is meant to have. Parsers throw it without a key;
 * option accessors wrap it into a {@link ConfigError} naming the key.
 */
export class InvalidValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidValueError";
  }
}
