/**
 * Names of the `flink.apache.org/v1beta1` kinds, finalizers and label keys (FKO
 * `CrdConstants` and JOSDK's default finalizer naming). Other tools find our resources by
 * these exact strings, so they are compatibility surface, not style.
 */

export const FLINK_GROUP = "flink.apache.org";
export const FLINK_VERSION_V1BETA1 = "v1beta1";
export const FLINK_API_VERSION = `${FLINK_GROUP}/${FLINK_VERSION_V1BETA1}`;

export interface FlinkKindNames {
  readonly group: string;
  readonly version: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly listKind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  /** JOSDK default `<plural>.<group>/finalizer`, added because the controllers clean up. */
  readonly finalizer: string;
}

function flinkKindNames(kind: string, shortName: string): FlinkKindNames {
  const singular = kind.toLowerCase();
  const plural = `${singular}s`;
  return {
    group: FLINK_GROUP,
    version: FLINK_VERSION_V1BETA1,
    apiVersion: FLINK_API_VERSION,
    kind,
    listKind: `${kind}List`,
    plural,
    singular,
    shortNames: [shortName],
    finalizer: `${plural}.${FLINK_GROUP}/finalizer`,
  };
}

export const FLINK_DEPLOYMENT_NAMES = flinkKindNames("FlinkDeployment", "flinkdep");
export const FLINK_SESSION_JOB_NAMES = flinkKindNames("FlinkSessionJob", "sessionjob");
export const FLINK_STATE_SNAPSHOT_NAMES = flinkKindNames("FlinkStateSnapshot", "flinksnp");

/** On FlinkSessionJob: name of the session FlinkDeployment (copied from spec.deploymentName). */
export const LABEL_TARGET_SESSION = "target.session";
/** On FlinkStateSnapshot: `SAVEPOINT` or `CHECKPOINT`. */
export const LABEL_SNAPSHOT_TYPE = "snapshot.type";
/** On FlinkStateSnapshot: `MANUAL`, `PERIODIC`, `UPGRADE` or `UNKNOWN`. */
export const LABEL_SNAPSHOT_TRIGGER_TYPE = "snapshot.trigger-type";
/** On FlinkStateSnapshot: the snapshot state. */
export const LABEL_SNAPSHOT_STATE = "snapshot.state";
/** On FlinkStateSnapshot: kind of the referenced job resource. */
export const LABEL_JOB_REFERENCE_KIND = "job-reference.kind";
/** On FlinkStateSnapshot: name of the referenced job resource. */
export const LABEL_JOB_REFERENCE_NAME = "job-reference.name";
