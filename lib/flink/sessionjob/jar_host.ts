/**
 * Resolves the host of an http(s) jarURI before validation (FKO resolves it inside its
 * validator), so validation itself stays a pure function of what was looked up. Only done when
 * the restricted-host check is on.
 */
import { OPTIONS } from "../../config/options.ts";
import type { ResourceConfig } from "../../config/resource_config.ts";
import { hostOf } from "../spec/validate_session_job.ts";

export type HostAddresses = (host: string) => readonly string[] | undefined;

export async function resolveJarHost(
  jarUri: string | undefined,
  rc: Pick<ResourceConfig, "get">,
): Promise<HostAddresses> {
  const none: HostAddresses = () => undefined;
  if (!jarUri || !/^https?:/i.test(jarUri)) return none;
  if (!rc.get(OPTIONS.userArtifactsDisallowRestrictedHosts)) return none;
  const host = hostOf(jarUri);
  if (!host) return none;
  const addresses = await lookup(host);
  return (asked) => asked === host ? addresses : undefined;
}

/** IP literals stand for themselves; names go through DNS (A and AAAA). */
async function lookup(host: string): Promise<string[] | undefined> {
  if (/^[\d.]+$/.test(host) || host.includes(":")) return [host];
  if (host === "localhost" || host.endsWith(".localhost")) return ["127.0.0.1", "::1"];
  const found: string[] = [];
  for (const type of ["A", "AAAA"] as const) {
    try {
      found.push(...await Deno.resolveDns(host, type));
    } catch {
      // No record of this type (or no DNS at all): the other type may still answer.
    }
  }
  return found.length ? found : undefined;
}
