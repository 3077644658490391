import {
  boolOption,
  type ConfigOption,
  doubleOption,
  durationOption,
  enumOption,
  intOption,
  listOption,
  mapOption,
  type OptionEffect,
  type OptionScope,
  periodicOption,
  stringOption,
} from "./option.ts";

export {
  type ConfigOption,
  type FlatConfig,
  getOption,
  type OptionEffect,
  type OptionScope,
} from "./option.ts";

const P = "kubernetes.operator.";

/**
 * Every FKO operator option (reference §2.2–§2.6) with FKO's exact defaults. Read values with
 * `getOption(config, OPTIONS.reconcileInterval)`.
 */
export const OPTIONS = {
  // ---- resource/user options: may be overridden in spec.flinkConfiguration ----
  jobUpgradeIgnorePendingSavepoint: boolOption({
    key: `${P}job.upgrade.ignore-pending-savepoint`,
    default: "false",
    scope: "resource",
    description: "Upgrade without waiting for an in-progress (legacy) savepoint to finish.",
    effect: { shownBy: ["tests/integration/snapshot_options_test.ts"] },
  }),
  jobUpgradeLastStateFallbackEnabled: boolOption({
    key: `${P}job.upgrade.last-state-fallback.enabled`,
    default: "true",
    scope: "resource",
    description:
      "In savepoint upgrade mode, fall back to a last-state upgrade when the job is not running.",
    effect: {
      shownBy: [
        "tests/integration/deployment_failures_test.ts",
        "tests/integration/deployment_options_test.ts",
      ],
    },
  }),
  jobUpgradeLastStateJobCancelEnabled: boolOption({
    key: `${P}job.upgrade.last-state.job-cancel.enabled`,
    default: "false",
    scope: "resource",
    description:
      "Cancel the job via REST for application last-state upgrades instead of deleting the JobManager.",
    effect: { shownBy: ["tests/unit/spec_upgrade_test.ts"] },
  }),
  jobUpgradeLastStateMaxAllowedCheckpointAge: durationOption({
    key: `${P}job.upgrade.last-state.max.allowed.checkpoint.age`,
    default: undefined,
    scope: "resource",
    description:
      "If the newest checkpoint of a running job is older than this, upgrade with a savepoint instead.",
    effect: { shownBy: ["tests/integration/deployment_modes_test.ts"] },
  }),
  jobUpgradeInplaceScalingEnabled: boolOption({
    key: `${P}job.upgrade.inplace-scaling.enabled`,
    default: "true",
    scope: "resource",
    description:
      "Apply parallelism-override-only changes through the resource-requirements REST API (Flink >= 1.18).",
    effect: { shownBy: ["tests/integration/inplace_scaling_test.ts"] },
  }),
  jobRestartFailed: boolOption({
    key: `${P}job.restart.failed`,
    default: "false",
    scope: "resource",
    description: "Redeploy jobs that reached the FAILED state.",
    effect: { shownBy: ["tests/integration/sessionjob_snapshot_test.ts"] },
  }),
  jobSavepointOnDeletion: boolOption({
    key: `${P}job.savepoint-on-deletion`,
    default: "false",
    scope: "resource",
    description:
      "Stop the job with a savepoint when the resource is deleted (otherwise cancel it).",
    effect: {
      shownBy: [
        "tests/integration/deployment_modes_test.ts",
        "tests/integration/sessionjob_snapshot_test.ts",
      ],
    },
  }),
  jobDrainOnSavepointDeletion: boolOption({
    key: `${P}job.drain-on-savepoint-deletion`,
    default: "false",
    scope: "resource",
    description: "Pass drain=true on every stop-with-savepoint.",
    effect: { shownBy: ["tests/integration/snapshot_options_test.ts"] },
  }),
  deploymentRollbackEnabled: boolOption({
    key: `${P}deployment.rollback.enabled`,
    default: "false",
    scope: "resource",
    description:
      "Roll back to the last stable spec when an upgrade does not become ready (needs HA).",
    effect: { shownBy: ["tests/integration/deployment_rollback_test.ts"] },
  }),
  deploymentReadinessTimeout: durationOption({
    key: `${P}deployment.readiness.timeout`,
    default: "5 min",
    scope: "resource",
    description: "Time a new spec has to become stable before it is rolled back.",
    effect: { shownBy: ["tests/integration/deployment_rollback_test.ts"] },
  }),
  jmDeploymentRecoveryEnabled: boolOption({
    key: `${P}jm-deployment-recovery.enabled`,
    deprecatedKeys: [`${P}reconciler.jm-deployment-recovery.enabled`],
    default: "true",
    scope: "resource",
    description: "Recreate a missing JobManager Deployment (needs HA or a stateless job).",
    effect: {
      shownBy: [
        "tests/integration/deployment_failures_test.ts",
        "tests/integration/deployment_options_test.ts",
      ],
    },
  }),
  jmDeploymentShutdownTtl: durationOption({
    key: `${P}jm-deployment.shutdown-ttl`,
    default: "1 d",
    scope: "resource",
    description:
      "Delete the JobManager Deployment of a finished, failed or suspended application after this time.",
    effect: { shownBy: ["tests/integration/deployment_health_test.ts"] },
  }),
  jmDeploymentStartupProbeEnabled: boolOption({
    key: `${P}jm-deployment.startup.probe.enabled`,
    default: "true",
    scope: "resource",
    description: "Add a startup probe to the JobManager container when it has none.",
    effect: { shownBy: ["tests/unit/render_cluster_objects_test.ts"] },
  }),
  clusterHealthCheckEnabled: boolOption({
    key: `${P}cluster.health-check.enabled`,
    default: "false",
    scope: "resource",
    description: "Restart clusters whose job is found unhealthy.",
    effect: { shownBy: ["tests/integration/deployment_health_test.ts"] },
  }),
  clusterHealthCheckRestartsWindow: durationOption({
    key: `${P}cluster.health-check.restarts.window`,
    default: "2 min",
    scope: "resource",
    description: "Window over which job restarts are counted.",
    effect: { shownBy: ["tests/integration/deployment_health_test.ts"] },
  }),
  clusterHealthCheckRestartsThreshold: intOption({
    key: `${P}cluster.health-check.restarts.threshold`,
    default: "64",
    scope: "resource",
    description: "Restarts within the window that mark the job unhealthy.",
    effect: { shownBy: ["tests/integration/deployment_health_test.ts"] },
  }),
  clusterHealthCheckCheckpointProgressEnabled: boolOption({
    key: `${P}cluster.health-check.checkpoint-progress.enabled`,
    default: "true",
    scope: "resource",
    description: "Also treat a job without checkpoint progress as unhealthy.",
    effect: { shownBy: ["tests/integration/deployment_health_test.ts"] },
  }),
  clusterHealthCheckCheckpointProgressWindow: durationOption({
    key: `${P}cluster.health-check.checkpoint-progress.window`,
    default: undefined,
    scope: "resource",
    description:
      "Window without a completed checkpoint that marks the job unhealthy; at least max(interval, timeout) x (tolerable failures + 2).",
    effect: { shownBy: ["tests/integration/deployment_health_test.ts"] },
  }),
  periodicSavepointInterval: periodicOption({
    key: `${P}periodic.savepoint.interval`,
    default: "",
    scope: "resource",
    description: "Trigger savepoints periodically: a duration (6 h) or a Quartz cron expression.",
    effect: { shownBy: ["tests/integration/snapshot_periodic_test.ts"] },
  }),
  periodicCheckpointInterval: periodicOption({
    key: `${P}periodic.checkpoint.interval`,
    default: "",
    scope: "resource",
    description:
      "Trigger checkpoints periodically (Flink >= 1.17): a duration or a Quartz cron expression.",
    effect: { shownBy: ["tests/integration/snapshot_periodic_test.ts"] },
  }),
  savepointFormatType: enumOption(["CANONICAL", "NATIVE"], {
    key: `${P}savepoint.format.type`,
    default: "CANONICAL",
    scope: "resource",
    description: "Format of savepoints the operator triggers.",
    effect: { shownBy: ["tests/integration/snapshot_options_test.ts"] },
  }),
  checkpointType: enumOption(["FULL", "INCREMENTAL"], {
    key: `${P}checkpoint.type`,
    default: "FULL",
    scope: "resource",
    description: "Type of checkpoints the operator triggers.",
    effect: { shownBy: ["tests/integration/snapshot_options_test.ts"] },
  }),
  savepointTriggerGracePeriod: durationOption({
    key: `${P}savepoint.trigger.grace-period`,
    deprecatedKeys: [`${P}observer.savepoint.trigger.grace-period`],
    default: "1 min",
    scope: "resource",
    description: "Legacy mode: a savepoint trigger failing within this time is retried.",
    effect: { shownBy: ["tests/integration/snapshot_legacy_test.ts"] },
  }),
  checkpointTriggerGracePeriod: durationOption({
    key: `${P}checkpoint.trigger.grace-period`,
    default: "1 min",
    scope: "resource",
    description: "Legacy mode: a checkpoint trigger failing within this time is retried.",
    effect: { shownBy: ["tests/integration/snapshot_options_test.ts"] },
  }),
  snapshotResourceEnabled: boolOption({
    key: `${P}snapshot.resource.enabled`,
    default: "true",
    scope: "resource",
    description:
      "Record snapshots as FlinkStateSnapshot resources (false: legacy status fields; forced off without the CRD).",
    effect: {
      shownBy: [
        "tests/integration/snapshot_legacy_test.ts",
        "tests/integration/sessionjob_snapshot_test.ts",
      ],
    },
  }),
  savepointCleanupEnabled: boolOption({
    key: `${P}savepoint.cleanup.enabled`,
    default: "true",
    scope: "resource",
    description: "Clean up the snapshot history.",
    effect: { shownBy: ["tests/integration/snapshot_options_test.ts"] },
  }),
  savepointDisposeOnDelete: boolOption({
    key: `${P}savepoint.dispose-on-delete`,
    default: "false",
    scope: "resource",
    description: "Set disposeOnDelete on savepoint resources the operator creates.",
    effect: { shownBy: ["tests/integration/snapshot_periodic_test.ts"] },
  }),
  savepointHistoryMaxAge: durationOption({
    key: `${P}savepoint.history.max.age`,
    default: "24 h",
    scope: "resource",
    description: "Maximum age of periodic and upgrade savepoints kept in the history.",
    effect: { shownBy: ["tests/integration/snapshot_periodic_test.ts"] },
  }),
  savepointHistoryMaxCount: intOption({
    key: `${P}savepoint.history.max.count`,
    default: "10",
    scope: "resource",
    description: "Maximum number of periodic and upgrade savepoints kept in the history.",
    effect: { shownBy: ["tests/integration/snapshot_periodic_test.ts"] },
  }),
  sessionDeletionBlockOnSessionJobs: boolOption({
    key: `${P}session.deletion.block-on-session-jobs`,
    default: "true",
    scope: "resource",
    description: "Block deleting a session cluster while FlinkSessionJobs reference it.",
    effect: { shownBy: ["tests/integration/sessionjob_lifecycle_test.ts"] },
  }),
  sessionDeletionBlockOnUnmanagedJobs: boolOption({
    key: `${P}session.deletion.block-on-unmanaged-jobs`,
    deprecatedKeys: [`${P}session.block-on-unmanaged-jobs`],
    default: "true",
    scope: "resource",
    description:
      "Also block while jobs not managed by resources are running (only with block-on-session-jobs).",
    effect: { shownBy: ["tests/integration/sessionjob_options_test.ts"] },
  }),
  podTemplateMergeArraysByName: boolOption({
    key: `${P}pod-template.merge-arrays-by-name`,
    default: "false",
    scope: "resource",
    description: "Merge pod template arrays by element name instead of by position.",
    effect: { shownBy: ["tests/integration/pod_template_merge_test.ts"] },
  }),
  exceptionLabelMapper: mapOption({
    key: `${P}exception.label.mapper`,
    default: "",
    scope: "resource",
    description: "regex:label pairs; the label is added to the status error when a cause matches.",
    effect: { shownBy: ["tests/integration/job_exceptions_test.ts"] },
  }),
  userArtifactsHttpHeader: mapOption({
    key: `${P}user.artifacts.http.header`,
    default: undefined,
    scope: "resource",
    description: "Headers (k1:v1,k2:v2) for HTTP downloads of session job jars.",
    effect: { shownBy: ["tests/integration/sessionjob_lifecycle_test.ts"] },
  }),

  // ---- system options: operator-wide only ----
  reconcileInterval: durationOption({
    key: `${P}reconcile.interval`,
    deprecatedKeys: [`${P}reconciler.reschedule.interval`],
    default: "1 min",
    scope: "system",
    description: "Normal reschedule interval of a resource.",
    effect: {
      shownBy: [
        "tests/integration/snapshot_abandon_test.ts",
        "tests/integration/operator_runtime_options_test.ts",
      ],
    },
  }),
  reconcileParallelism: intOption({
    key: `${P}reconcile.parallelism`,
    deprecatedKeys: [`${P}reconciler.max.parallelism`],
    default: "50",
    scope: "system",
    description: "Maximum concurrent reconciles of all controllers together; -1 for unbounded.",
    effect: { shownBy: ["tests/integration/operator_system_options_test.ts"] },
  }),
  flinkClientTimeout: durationOption({
    key: `${P}flink.client.timeout`,
    deprecatedKeys: [`${P}observer.flink.client.timeout`],
    default: "10 s",
    scope: "system",
    description: "Timeout of Flink REST calls.",
    effect: { shownBy: ["tests/integration/deployment_modes_test.ts"] },
  }),
  flinkClientCancelTimeout: durationOption({
    key: `${P}flink.client.cancel.timeout`,
    deprecatedKeys: [`${P}reconciler.flink.cancel.job.timeout`],
    default: "1 min",
    scope: "system",
    description: "Timeout of job cancel calls.",
    effect: { shownBy: ["tests/integration/deployment_options_test.ts"] },
  }),
  resourceCleanupTimeout: durationOption({
    key: `${P}resource.cleanup.timeout`,
    deprecatedKeys: [`${P}reconciler.flink.cluster.shutdown.timeout`],
    default: "5 min",
    scope: "system",
    description:
      "Time to wait for JobManager/TaskManager Deployments to disappear on deletion, and before an upgrade's deploy; past it a `CleanupFailed` event, and a deploy still waits (`status.error`, a `Waiting` event) while an old Deployment is being deleted, since one replaced then would be deleted with it. A FlinkSessionJob's deletion waits until its job is stopped and past this time says why in a `CleanupFailed` event.",
    effect: {
      shownBy: [
        "tests/integration/deployment_modes_test.ts",
        "tests/integration/deployment_terminating_jobmanager_test.ts",
        "tests/integration/sessionjob_deletion_ha_test.ts",
      ],
    },
  }),
  jobSubmissionTimeout: durationOption({
    key: `${P}job.submission.timeout`,
    default: "10 min",
    scope: "system",
    description:
      "Timeout of the jar run that submits a session job (the upload: flink.client.timeout).",
    effect: { shownBy: ["tests/integration/sessionjob_options_test.ts"] },
  }),
  retryInitialInterval: durationOption({
    key: `${P}retry.initial.interval`,
    default: "5 s",
    scope: "system",
    description:
      "Delay before retrying a failed reconcile; the first two retries wait this long (JOSDK GenericRetry).",
    effect: { shownBy: ["tests/integration/operator_system_options_test.ts"] },
  }),
  retryIntervalMultiplier: doubleOption({
    key: `${P}retry.interval.multiplier`,
    default: "1.5",
    scope: "system",
    description: "Factor applied to the retry delay from the third retry on.",
    effect: { shownBy: ["tests/integration/operator_system_options_test.ts"] },
  }),
  retryMaxInterval: durationOption({
    key: `${P}retry.max.interval`,
    default: undefined,
    scope: "system",
    description: "Upper bound of the retry delay (unset: none).",
    effect: { shownBy: ["tests/integration/operator_system_options_test.ts"] },
  }),
  retryMaxAttempts: intOption({
    key: `${P}retry.max.attempts`,
    default: "15",
    scope: "system",
    description:
      "Retries of a failed reconcile before waiting for the next event (or the reconcile interval).",
    effect: { shownBy: ["tests/integration/operator_system_options_test.ts"] },
  }),
  rateLimiterRefreshPeriod: durationOption({
    key: `${P}rate-limiter.refresh-period`,
    default: "15 s",
    scope: "system",
    description: "Window of the per-resource reconcile rate limit.",
    effect: {
      shownBy: [
        "tests/integration/operator_runtime_options_test.ts",
        "tests/integration/runtime_options_test.ts",
      ],
    },
  }),
  rateLimiterLimit: intOption({
    key: `${P}rate-limiter.limit`,
    default: "5",
    scope: "system",
    description: "Reconciles allowed per window and resource; <= 0 disables the limit.",
    effect: {
      shownBy: [
        "tests/integration/operator_runtime_options_test.ts",
        "tests/integration/runtime_options_test.ts",
      ],
    },
  }),
  leaderElectionEnabled: boolOption({
    key: `${P}leader-election.enabled`,
    default: "false",
    scope: "system",
    description: "Elect a leader through a coordination.k8s.io Lease so standby replicas can run.",
    effect: { shownBy: ["tests/integration/rbac_operator_test.ts"] },
  }),
  leaderElectionLeaseName: stringOption({
    key: `${P}leader-election.lease-name`,
    default: undefined,
    scope: "system",
    description: "Name of the Lease (required when leader election is enabled).",
    effect: { shownBy: ["tests/integration/rbac_operator_test.ts"] },
  }),
  leaderElectionLeaseDuration: durationOption({
    key: `${P}leader-election.lease-duration`,
    default: "15 s",
    scope: "system",
    description: "How long a lease is valid without renewal.",
    effect: { shownBy: ["tests/integration/operator_system_options_test.ts"] },
  }),
  leaderElectionRenewDeadline: durationOption({
    key: `${P}leader-election.renew-deadline`,
    default: "10 s",
    scope: "system",
    description: "How long the leader keeps trying to renew before giving up leadership.",
    effect: { shownBy: ["tests/integration/operator_system_options_test.ts"] },
  }),
  leaderElectionRetryPeriod: durationOption({
    key: `${P}leader-election.retry-period`,
    default: "2 s",
    scope: "system",
    description: "Interval between lease acquire/renew attempts.",
    effect: { shownBy: ["tests/integration/operator_system_options_test.ts"] },
  }),
  watchedNamespaces: listOption({
    key: `${P}watched.namespaces`,
    default: "JOSDK_ALL_NAMESPACES",
    scope: "system",
    description:
      "Comma-separated namespaces to watch; JOSDK_ALL_NAMESPACES for all (env WATCH_NAMESPACES wins).",
    effect: {
      shownBy: [
        "tests/integration/operator_dynamic_config_test.ts",
        "tests/integration/operator_runtime_options_test.ts",
      ],
    },
  }),
  dynamicNamespacesEnabled: boolOption({
    key: `${P}dynamic.namespaces.enabled`,
    default: "false",
    scope: "system",
    description: "Apply watched-namespace changes when the configuration is reloaded.",
    effect: { shownBy: ["tests/integration/operator_dynamic_config_test.ts"] },
  }),
  userArtifactsBaseDir: stringOption({
    key: `${P}user.artifacts.base.dir`,
    default: "/opt/flink/artifacts",
    scope: "system",
    description: "Directory where session job jars are downloaded.",
    effect: { shownBy: ["tests/integration/sessionjob_lifecycle_test.ts"] },
  }),
  userArtifactsAllowedSchemes: listOption({
    key: `${P}user.artifacts.allowed-schemes`,
    default: "https",
    scope: "system",
    description: "URI schemes allowed for session job jarURI.",
    effect: { shownBy: ["tests/integration/sessionjob_validation_test.ts"] },
  }),
  userArtifactsDisallowRestrictedHosts: boolOption({
    key: `${P}user.artifacts.disallow-restricted-hosts`,
    default: "true",
    scope: "system",
    description:
      "Reject jarURI hosts resolving to loopback, link-local, private or multicast addresses.",
    effect: {
      shownBy: [
        "tests/integration/sessionjob_options_test.ts",
        "tests/integration/sessionjob_lifecycle_test.ts",
      ],
    },
  }),
  exceptionStacktraceEnabled: boolOption({
    key: `${P}exception.stacktrace.enabled`,
    default: "false",
    scope: "system",
    description: "Include stack traces in status.error.",
    effect: { shownBy: ["tests/integration/job_error_options_test.ts"] },
  }),
  exceptionStacktraceMaxLength: intOption({
    key: `${P}exception.stacktrace.max.length`,
    default: "2048",
    scope: "system",
    description: "Maximum stack trace length in status.error.",
    effect: { shownBy: ["tests/integration/job_error_options_test.ts"] },
  }),
  exceptionFieldMaxLength: intOption({
    key: `${P}exception.field.max.length`,
    default: "2048",
    scope: "system",
    description: "Maximum length of each field of status.error.",
    effect: { shownBy: ["tests/integration/job_error_options_test.ts"] },
  }),
  exceptionThrowableListMaxCount: intOption({
    key: `${P}exception.throwable.list.max.count`,
    default: "2",
    scope: "system",
    description: "Causes listed in status.error throwableList.",
    effect: { shownBy: ["tests/integration/job_error_options_test.ts"] },
  }),

  // ---- advanced system options ----
  progressCheckInterval: durationOption({
    key: `${P}observer.progress-check.interval`,
    default: "10 s",
    scope: "advanced",
    description:
      "Reschedule interval while deploying, cancelling or waiting for a legacy savepoint.",
    effect: { shownBy: ["tests/unit/job_pass_delay_test.ts"] },
  }),
  restReadyDelay: durationOption({
    key: `${P}observer.rest-ready.delay`,
    // FKO: 10 s, because FKO only sees the port open and guesses how long the REST API takes.
    // flinkop asks the REST API itself (GET /config), so by default there is nothing to wait for.
    default: undefined,
    scope: "advanced",
    description: "Wait between the JobManager's REST API answering and marking it READY " +
      "(DEPLOYED_NOT_READY meanwhile). Unset: READY in the same pass the REST API first " +
      "answers; FKO's default is 10 s because it only checks that the port is open.",
    effect: { shownBy: ["tests/integration/deployment_options_test.ts"] },
  }),
  savepointHistoryMaxCountThreshold: intOption({
    key: `${P}savepoint.history.max.count.threshold`,
    default: undefined,
    scope: "advanced",
    description: "Upper cap on any per-resource savepoint.history.max.count.",
    effect: { shownBy: ["tests/unit/snapshot_history_test.ts"] },
  }),
  savepointHistoryMaxAgeThreshold: durationOption({
    key: `${P}savepoint.history.max.age.threshold`,
    default: undefined,
    scope: "advanced",
    description: "Upper cap on any per-resource savepoint.history.max.age.",
    effect: { shownBy: ["tests/unit/snapshot_history_test.ts"] },
  }),
  dynamicConfigEnabled: boolOption({
    key: `${P}dynamic.config.enabled`,
    default: "true",
    scope: "advanced",
    description: "Reload the operator configuration file while running.",
    effect: { shownBy: ["tests/integration/operator_dynamic_config_test.ts"] },
  }),
  dynamicConfigCheckInterval: durationOption({
    key: `${P}dynamic.config.check.interval`,
    default: "5 min",
    scope: "advanced",
    description: "How often the configuration file is checked for changes.",
    effect: { shownBy: ["tests/integration/operator_dynamic_config_test.ts"] },
  }),
  configCacheSize: intOption({
    key: `${P}config.cache.size`,
    default: "1000",
    scope: "advanced",
    description: "Entries in the generated-configuration cache.",
    effect: {
      noEffect:
        "there is no configuration cache: each resource's configuration is built afresh on every reconcile",
    },
  }),
  configCacheTimeout: durationOption({
    key: `${P}config.cache.timeout`,
    default: "10 min",
    scope: "advanced",
    description: "Expiry of generated-configuration cache entries.",
    effect: {
      noEffect:
        "there is no configuration cache: each resource's configuration is built afresh on every reconcile",
    },
  }),
  labelSelector: stringOption({
    key: `${P}label.selector`,
    default: undefined,
    scope: "advanced",
    description: "Only reconcile resources matching this label selector (sharding).",
    effect: { shownBy: ["tests/integration/operator_system_options_test.ts"] },
  }),
  healthProbeEnabled: boolOption({
    key: `${P}health.probe.enabled`,
    default: "true",
    scope: "advanced",
    description: "Serve the operator health endpoint.",
    effect: { shownBy: ["tests/integration/operator_system_options_test.ts"] },
  }),
  healthProbePort: intOption({
    key: `${P}health.probe.port`,
    default: "8085",
    scope: "advanced",
    description: "Port of the operator health endpoint.",
    effect: {
      shownBy: [
        "tests/integration/rbac_operator_test.ts",
        "tests/integration/operator_runtime_options_test.ts",
      ],
    },
  }),
  healthCanaryResourceTimeout: durationOption({
    key: `${P}health.canary.resource.timeout`,
    default: "1 min",
    scope: "advanced",
    description:
      "Canary resources must be reconciled within this time or the operator is unhealthy.",
    effect: { shownBy: ["tests/integration/operator_canary_test.ts"] },
  }),
  startupStopOnInformerError: boolOption({
    key: `${P}startup.stop-on-informer-error`,
    default: "true",
    scope: "advanced",
    description: "Fail startup when a watch cannot be started (e.g. missing RBAC).",
    effect: { shownBy: ["tests/integration/operator_runtime_options_test.ts"] },
  }),
  terminationTimeout: durationOption({
    key: `${P}termination.timeout`,
    default: "10 s",
    scope: "advanced",
    description: "Grace period for in-flight reconciles on shutdown.",
    effect: { shownBy: ["tests/integration/operator_system_options_test.ts"] },
  }),
  resourceDeletionPropagation: enumOption(["Orphan", "Background", "Foreground"], {
    key: `${P}resource.deletion.propagation`,
    default: "Foreground",
    scope: "advanced",
    description:
      "Propagation policy when deleting JobManager/TaskManager Deployments (only Foreground waits for their pods).",
    effect: { shownBy: ["tests/integration/deployment_options_test.ts"] },
  }),
  ingressManage: boolOption({
    key: `${P}ingress.manage`,
    default: "true",
    scope: "advanced",
    description: "Manage Ingresses; when false ingress specs are ignored with a warning event.",
    effect: {
      noEffect:
        "this operator creates no Ingresses (spec.ingress is validated and makes the REST Service ClusterIP, nothing more)",
    },
  }),
  clusterResourceViewRefreshInterval: durationOption({
    key: `${P}cluster.resource-view.refresh-interval`,
    default: "-1 min",
    scope: "advanced",
    description:
      "Refresh of the cluster capacity view used by the autoscaler; negative disables it.",
    effect: {
      noEffect:
        "only FKO's autoscaler (ClusterResourceManager) reads it, and this operator has no autoscaler",
    },
  }),
  eventsExceptionsLimitPerReconciliation: intOption({
    key: `${P}events.exceptions.limit-per-reconciliation`,
    default: "10",
    scope: "advanced",
    description: "Maximum JobException events emitted per reconcile.",
    effect: { shownBy: ["tests/integration/job_exceptions_test.ts"] },
  }),
  eventsExceptionsStacktraceLines: intOption({
    key: `${P}events.exceptions.stacktrace-lines`,
    default: "5",
    scope: "advanced",
    description: "Stack trace lines included in a JobException event.",
    effect: { shownBy: ["tests/integration/job_exceptions_test.ts"] },
  }),

  // ---- metrics options ----
  resourceMetricsEnabled: boolOption({
    key: `${P}resource.metrics.enabled`,
    default: "true",
    scope: "metrics",
    description: "Report per-resource metrics.",
    effect: { shownBy: ["tests/unit/metrics_options_test.ts"] },
  }),
  resourceLifecycleMetricsEnabled: boolOption({
    key: `${P}resource.lifecycle.metrics.enabled`,
    default: "true",
    scope: "metrics",
    description: "Report lifecycle state metrics.",
    effect: { shownBy: ["tests/unit/metrics_options_test.ts"] },
  }),
  resourceLifecycleNamespaceHistogramsEnabled: boolOption({
    key: `${P}resource.lifecycle.namespace.histograms.enabled`,
    default: "true",
    scope: "metrics",
    description: "Also report lifecycle histograms per namespace.",
    effect: { shownBy: ["tests/unit/metrics_options_test.ts"] },
  }),
  josdkMetricsEnabled: boolOption({
    key: `${P}josdk.metrics.enabled`,
    default: "true",
    scope: "metrics",
    description: "Report controller-framework metrics.",
    effect: { noEffect: "there is no JOSDK; the runtime's own flinkop_* series are always served" },
  }),
  jvmMetricsEnabled: boolOption({
    key: `${P}jvm.metrics.enabled`,
    default: "true",
    scope: "metrics",
    description: "Report runtime (JVM in FKO, Deno here) metrics.",
    effect: { noEffect: "there is no JVM; no runtime metrics group is reported" },
  }),
  kubernetesClientMetricsEnabled: boolOption({
    key: `${P}kubernetes.client.metrics.enabled`,
    default: "true",
    scope: "metrics",
    description: "Report Kubernetes API client metrics.",
    effect: { noEffect: "FKO's Kubernetes-client metric group is not reported" },
  }),
  kubernetesClientMetricsHttpResponseCodeGroupsEnabled: boolOption({
    key: `${P}kubernetes.client.metrics.http.response.code.groups.enabled`,
    default: "false",
    scope: "metrics",
    description: "Group Kubernetes client response-code metrics (2xx, 4xx, ...).",
    effect: { noEffect: "FKO's Kubernetes-client metric group is not reported" },
  }),
  kubernetesClientMetricsSlowRequestThreshold: durationOption({
    key: `${P}kubernetes.client.metrics.slow.request.threshold`,
    default: "5 s",
    scope: "metrics",
    description: "Kubernetes API requests slower than this are counted as slow.",
    effect: { noEffect: "FKO's Kubernetes-client metric group is not reported" },
  }),
  metricsHistogramSampleSize: intOption({
    key: `${P}metrics.histogram.sample.size`,
    default: "1000",
    scope: "metrics",
    description: "Sample size of metric histograms.",
    effect: { shownBy: ["tests/unit/metrics_options_test.ts"] },
  }),
  metricsScopeSystem: stringOption({
    key: `${P}metrics.scope.k8soperator.system`,
    default: "<host>.k8soperator.<namespace>.<name>.system",
    scope: "metrics",
    description: "Metric scope of operator-wide metrics.",
    effect: {
      noEffect:
        "metrics are served on /metrics under FKO's Prometheus names; scope formats are not applied",
    },
  }),
  metricsScopeResourceNamespace: stringOption({
    key: `${P}metrics.scope.k8soperator.resourcens`,
    default: "<host>.k8soperator.<namespace>.<name>.namespace.<resourcens>.<resourcetype>",
    scope: "metrics",
    description: "Metric scope of per-namespace metrics.",
    effect: {
      noEffect:
        "metrics are served on /metrics under FKO's Prometheus names; scope formats are not applied",
    },
  }),
  metricsScopeResource: stringOption({
    key: `${P}metrics.scope.k8soperator.resource`,
    default:
      "<host>.k8soperator.<namespace>.<name>.resource.<resourcens>.<resourcename>.<resourcetype>",
    scope: "metrics",
    description: "Metric scope of per-resource metrics.",
    effect: {
      noEffect:
        "metrics are served on /metrics under FKO's Prometheus names; scope formats are not applied",
    },
  }),

  // ---- blue/green options (FlinkBlueGreenDeployment.spec.configuration) ----
  blueGreenAbortGracePeriod: durationOption({
    key: `${P}bluegreen.abort.grace-period`,
    default: "10 min",
    scope: "bluegreen",
    description: "Time the new deployment has to become ready before the transition is aborted.",
    effect: { noEffect: "FlinkBlueGreenDeployment is not supported" },
  }),
  blueGreenReconciliationRescheduleInterval: durationOption({
    key: `${P}bluegreen.reconciliation.reschedule-interval`,
    default: "15 s",
    scope: "bluegreen",
    description: "Reschedule interval of blue/green transitions.",
    effect: { noEffect: "FlinkBlueGreenDeployment is not supported" },
  }),
  blueGreenDeploymentDeletionDelay: durationOption({
    key: `${P}bluegreen.deployment-deletion.delay`,
    default: "0 ms",
    scope: "bluegreen",
    description: "Delay before the old deployment is deleted after a transition.",
    effect: { noEffect: "FlinkBlueGreenDeployment is not supported" },
  }),
} as const;

/** Every option as a list, in table order. */
export const ALL_OPTIONS: readonly ConfigOption<unknown>[] = Object.values(OPTIONS);

/** Families of keys that carry a user-chosen name, documented but not read through OPTIONS. */
export interface KeyPattern {
  /** Human form, e.g. `kubernetes.operator.plugins.listeners.<name>.class`. */
  readonly pattern: string;
  readonly matches: RegExp;
  readonly scope: OptionScope;
  readonly description: string;
  readonly effect: OptionEffect;
}

export const NAMESPACE_DEFAULTS_PREFIX = `${P}default-configuration.namespace.`;
export const VERSION_DEFAULTS_PREFIX = `${P}default-configuration.flink-version.`;

export const KEY_PATTERNS: readonly KeyPattern[] = [
  {
    pattern: `${P}plugins.listeners.<name>.class`,
    matches: /^kubernetes\.operator\.plugins\.listeners\.[^.]+\.class$/,
    scope: "resource",
    description:
      "Listener plugin class (plugins are not loaded by this operator; accepted and ignored).",
    effect: { noEffect: "listener plugins are Java classes; this operator loads no plugins" },
  },
  {
    pattern: "job.autoscaler.*",
    matches: /^job\.autoscaler\./,
    scope: "resource",
    description: "Autoscaler options (per resource; stripped before submission to Flink).",
    effect: {
      noEffect: "this operator has no autoscaler (the keys are checked when it is enabled, and " +
        "removed from the configuration Flink gets)",
    },
  },
  {
    pattern: `${NAMESPACE_DEFAULTS_PREFIX}<namespace>.<key>`,
    matches: /^kubernetes\.operator\.default-configuration\.namespace\.[^.]+\../,
    scope: "system",
    description: "Default for `<key>` applied to resources in `<namespace>`.",
    effect: { shownBy: ["tests/unit/config_resource_config_test.ts"] },
  },
  {
    pattern: `${VERSION_DEFAULTS_PREFIX}<v1_19>[+].<key>`,
    matches: /^kubernetes\.operator\.default-configuration\.flink-version\.v\d+_\d+\+?\../,
    scope: "system",
    description:
      "Default for `<key>` applied to resources of that Flink version (with `+`: that version and later).",
    effect: { shownBy: ["tests/unit/config_resource_config_test.ts"] },
  },
  {
    pattern: `${P}metrics.reporter.<name>.*`,
    matches: /^kubernetes\.operator\.metrics\.reporter\.[^.]+\./,
    scope: "metrics",
    description: "Metric reporter configuration (e.g. Prometheus).",
    effect: {
      noEffect: "no metric reporter is loaded; metrics are served in Prometheus format on " +
        "/metrics of the health port",
    },
  },
];

const OPTIONS_BY_KEY: ReadonlyMap<string, ConfigOption<unknown>> = new Map(
  ALL_OPTIONS.flatMap((option) =>
    [option.key, ...option.deprecatedKeys].map((key) => [key, option] as const)
  ),
);

/** The option that `key` (its own or a deprecated key) configures, if any. */
export function optionForKey(key: string): ConfigOption<unknown> | undefined {
  return OPTIONS_BY_KEY.get(key);
}

/** The documented key family `key` belongs to, if any. */
export function patternForKey(key: string): KeyPattern | undefined {
  return KEY_PATTERNS.find((pattern) => pattern.matches.test(key));
}

const SCOPE_TITLES: Readonly<Record<OptionScope, string>> = {
  resource: "Resource options (overridable per resource in `spec.flinkConfiguration`)",
  system: "System options (operator-wide only)",
  advanced: "Advanced system options (operator-wide only)",
  metrics: "Metrics options (operator-wide only)",
  bluegreen: "Blue/green options (`FlinkBlueGreenDeployment.spec.configuration`)",
};

/** The configuration reference as Markdown tables, one per scope; embedded in docs/configuration.md. */
export function renderConfigReference(): string {
  const sections = (Object.keys(SCOPE_TITLES) as OptionScope[]).map((scope) => {
    const rows = ALL_OPTIONS.filter((option) => option.scope === scope).map((option) => {
      const key = [
        `\`${option.key}\``,
        ...option.deprecatedKeys.map((k) => `(deprecated: \`${k}\`)`),
      ]
        .join("<br>");
      const type = option.enumValues ? `enum: ${option.enumValues.join(" / ")}` : option.type;
      return row(key, renderDefault(option), type, option.description, renderEffect(option.effect));
    });
    const patterns = KEY_PATTERNS.filter((pattern) => pattern.scope === scope).map((pattern) =>
      row(
        `\`${pattern.pattern}\``,
        "(none)",
        "string",
        pattern.description,
        renderEffect(pattern.effect),
      )
    );
    return [
      `### ${SCOPE_TITLES[scope]}`,
      "",
      "| Key | Default | Type | Description | Shown by |",
      "|---|---|---|---|---|",
      ...rows,
      ...patterns,
    ].join("\n");
  });
  return sections.join("\n\n") + "\n";
}

/** The "Shown by" cell: links to the tests (docs/ is one level below the root), or why not. */
function renderEffect(effect: OptionEffect): string {
  if ("shownBy" in effect) {
    return effect.shownBy.map((path) => `[${path.split("/").pop()}](../${path})`).join("<br>");
  }
  if ("noEffect" in effect) return `no effect: ${effect.noEffect}`;
  return `pending: ${effect.pending}`;
}

function renderDefault(option: ConfigOption<unknown>): string {
  if (option.defaultText === undefined) return "(none)";
  if (option.defaultText === "") return option.type === "map" ? "`{}`" : '`""`';
  return `\`${option.defaultText}\``;
}

function row(...cells: string[]): string {
  return `| ${cells.map((cell) => cell.replaceAll("|", "\\|")).join(" | ")} |`;
}
