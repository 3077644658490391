import { ConfigError } from "../../config/config_error.ts";
import { type ConfigOption, getOption } from "../../config/options.ts";
import type { Report } from "./validation_issue.ts";

/** The merged configuration plus where each key came from, for messages that say what to edit. */
export class ValidationConfig {
  constructor(
    readonly values: Readonly<Record<string, string>>,
    private readonly specValues: Readonly<Record<string, string>>,
  ) {}

  has(key: string): boolean {
    return Object.hasOwn(this.values, key);
  }

  get(key: string): string | undefined {
    return this.has(key) ? this.values[key] : undefined;
  }

  /** Field path naming a config key, pointing at the spec when the key is set there. */
  field(key: string): string {
    return Object.hasOwn(this.specValues, key)
      ? `spec.flinkConfiguration["${key}"]`
      : `operator configuration "${key}"`;
  }

  /** Reads a typed operator option; an unreadable value is reported and its default used. */
  option<T>(option: ConfigOption<T>, report: Report): T {
    try {
      return getOption(this.values, option);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      const key = error.key || option.key;
      report(this.field(key), error.problems[0]?.message ?? error.message, "correct the value");
      return option.defaultValue;
    }
  }
}
