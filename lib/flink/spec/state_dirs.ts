/**
 * Where a job's checkpoints and savepoints go. Flink 1.20 renamed both options; the old names
 * keep working as fallbacks, so either spelling counts as configured.
 */

/** Checkpoint directory: the pre-1.20 key first, then the 1.20+ key. */
export const CHECKPOINT_DIR_KEYS = [
  "state.checkpoints.dir",
  "execution.checkpointing.dir",
] as const;

/** Savepoint directory: the pre-1.20 key first, then the 1.20+ key. */
export const SAVEPOINT_DIR_KEYS = [
  "state.savepoints.dir",
  "execution.checkpointing.savepoint-dir",
] as const;

/** How to name the options in a message telling the user to set one of them. */
export function describeDirKeys(keys: readonly [string, string]): string {
  return `${keys[1]} (Flink 1.20+) or ${keys[0]}`;
}

/** The first of `keys` set to a non-blank value, if any. */
export function firstConfiguredKey(
  config: Readonly<Record<string, string>>,
  keys: readonly string[],
): string | undefined {
  return keys.find((key) => Object.hasOwn(config, key) && !isBlank(config[key]));
}

/** The configured savepoint directory, if any (e.g. for `savepointsDirConfigured`). */
export function savepointDirectory(config: Readonly<Record<string, string>>): string | undefined {
  const key = firstConfiguredKey(config, SAVEPOINT_DIR_KEYS);
  return key === undefined ? undefined : config[key].trim();
}

export function isBlank(text: string | undefined): boolean {
  return text === undefined || text.trim() === "";
}
