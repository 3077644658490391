/**
 * Spec validation of a FlinkSessionJob (FKO `DefaultValidator.validateSessionJob`, reference
 * §1.14): the session job on its own (deployment name, job, jarURI), and — once its session
 * cluster exists — against that cluster and the merged configuration the job will run with.
 * Every problem is reported, each naming its field and the fix. The checks that need only the
 * object are the object rules of lib/api/rules (CEL validations of the CRD as well).
 */
import {
  FLINK_SESSION_JOB_RULES,
  type FlinkDeployment,
  type FlinkSessionJobSpec,
} from "../../api/mod.ts";
import { flattenFlinkConfiguration } from "../../config/flatten.ts";
import { OPTIONS } from "../../config/options.ts";
import { checkAutoscaler, checkJob } from "./validate_job.ts";
import { ValidationConfig } from "./validation_config.ts";
import { type Report, RuleReporter, type ValidationIssue } from "./validation_issue.ts";

export interface JarUriPolicy {
  /** `kubernetes.operator.user.artifacts.allowed-schemes`, compared case-insensitively. */
  readonly allowedSchemes: readonly string[];
  /** `kubernetes.operator.user.artifacts.disallow-restricted-hosts`. */
  readonly disallowRestrictedHosts: boolean;
  /**
   * Addresses an http(s) host resolves to (resolved beforehand, so validation stays a pure
   * function); undefined when it does not resolve.
   */
  readonly addressesOf: (host: string) => readonly string[] | undefined;
}

export interface SessionJobValidationContext {
  /** The session cluster named by `spec.deploymentName`, when it exists. */
  readonly sessionCluster?: Pick<FlinkDeployment, "metadata" | "spec">;
  /**
   * Operator configuration + the session cluster's `spec.flinkConfiguration` + the session
   * job's: what the job runs with.
   */
  readonly effectiveConfig: Readonly<Record<string, string>>;
  /** The spec that was last deployed, if any. */
  readonly lastReconciledSpec?: FlinkSessionJobSpec;
  readonly jarUri: JarUriPolicy;
}

export function validateFlinkSessionJob(
  spec: FlinkSessionJobSpec,
  context: SessionJobValidationContext,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const report: Report = (field, problem, fix) =>
    issues.push({ field, message: `${field}: ${problem}; ${fix}` });
  const rules = new RuleReporter(
    FLINK_SESSION_JOB_RULES,
    { spec },
    context.lastReconciledSpec,
    issues,
  );

  rules.report("spec.deploymentName");
  rules.report("spec.job");
  if (spec.job === undefined) return issues;
  if (spec.job.jarURI !== undefined) checkJarUri(spec.job.jarURI, context.jarUri, report);
  rules.reportRemaining();

  const cluster = context.sessionCluster;
  if (cluster === undefined) return issues;
  if (cluster.spec.job !== undefined) {
    report(
      "spec.deploymentName",
      `FlinkDeployment "${cluster.metadata.name}" is an application cluster (it has spec.job)`,
      "name a session cluster, a FlinkDeployment without spec.job",
    );
  }
  const specConfig = flattenFlinkConfiguration(spec.flinkConfiguration);
  const config = new ValidationConfig(
    { ...context.effectiveConfig, ...specConfig },
    specConfig,
  );
  checkJob(spec.job, config, report);
  checkAutoscaler(config, context.effectiveConfig, report);
  return issues;
}

/**
 * FKO validateJarURI: an allowed scheme, and no restricted http(s) host. (A URI without a
 * scheme breaks an object rule and is not looked at here.)
 */
export function checkJarUri(uri: string, policy: JarUriPolicy, report: Report): void {
  const field = "spec.job.jarURI";
  const schemesKey = OPTIONS.userArtifactsAllowedSchemes.key;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(uri)?.[1];
  if (scheme === undefined) return;
  const allowed = policy.allowedSchemes.map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (!allowed.includes(scheme.toLowerCase())) {
    report(
      field,
      `scheme "${scheme}" is not allowed (allowed: ${allowed.join(", ") || "none"})`,
      `use one of them, or add "${scheme.toLowerCase()}" to the operator option ${schemesKey}`,
    );
    return;
  }
  const lower = scheme.toLowerCase();
  if ((lower !== "http" && lower !== "https") || !policy.disallowRestrictedHosts) return;
  const host = hostOf(uri);
  const restrictedKey = OPTIONS.userArtifactsDisallowRestrictedHosts.key;
  if (!host) {
    report(field, `"${uri}" has no host`, "use a URI such as https://host/path/job.jar");
    return;
  }
  const addresses = policy.addressesOf(host);
  if (addresses === undefined || addresses.length === 0) {
    report(field, `host "${host}" cannot be resolved`, "check the host name");
    return;
  }
  const restricted = addresses.find(isRestrictedAddress);
  if (restricted !== undefined) {
    report(
      field,
      `host "${host}" resolves to the restricted address ${restricted}`,
      "serve the jar from a public host, or set the operator option " +
        `${restrictedKey} to false if the operator must fetch from internal addresses`,
    );
  }
}

/** The host of an http(s) URI without brackets, or undefined. */
export function hostOf(uri: string): string | undefined {
  try {
    const host = new URL(uri).hostname;
    return host.replace(/^\[|\]$/g, "") || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Java's InetAddress checks FKO uses: loopback, link-local, site-local, wildcard and multicast.
 * IPv4-mapped IPv6 addresses are judged by their IPv4 part.
 */
export function isRestrictedAddress(address: string): boolean {
  const v4 = ipv4Octets(address.replace(/^::ffff:/i, ""));
  if (v4) {
    const [a, b] = v4;
    return a === 127 || a === 0 || a === 10 || (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a >= 224 && a <= 239);
  }
  const v6 = address.toLowerCase();
  if (v6 === "::1" || v6 === "::" || /^0*(:0*)*:?:0*1$/.test(v6)) return true;
  return /^fe[89ab]/.test(v6) || /^fe[c-f]/.test(v6) || v6.startsWith("ff");
}

function ipv4Octets(text: string): number[] | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const octets = parts.map((p) => /^\d{1,3}$/.test(p) ? Number(p) : NaN);
  return octets.every((o) => o >= 0 && o <= 255) ? octets : undefined;
}
