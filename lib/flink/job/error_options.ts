/**
 * How a resource's `status.error` documents are written: the operator's `exception.*` limits and
 * the resource's `kubernetes.operator.exception.label.mapper` (FKO FlinkResourceExceptionUtils
 * reads both from the configuration of the resource being reconciled).
 */
import { OPTIONS } from "../../config/options.ts";
import type { ErrorJsonOptions } from "../spec/error_json.ts";
import type { ResourcePass } from "./resource_pass.ts";

export function errorJsonOptions(
  p: Pick<ResourcePass, "env" | "rc">,
): Pick<ErrorJsonOptions, "limits" | "labelMapper"> {
  const e = p.env.config.exceptions;
  return {
    limits: {
      fieldMaxLength: e.fieldMaxLength,
      stackTraceEnabled: e.stackTraceEnabled,
      stackTraceMaxLength: e.stackTraceMaxLength,
      throwableListMaxCount: e.throwableListMaxCount,
    },
    labelMapper: labelMapperOf(p),
  };
}

// An unreadable mapper (reported by validation) must not stop the error from being recorded.
function labelMapperOf(p: Pick<ResourcePass, "rc">): Record<string, string> {
  try {
    return p.rc.get(OPTIONS.exceptionLabelMapper);
  } catch {
    return {};
  }
}
