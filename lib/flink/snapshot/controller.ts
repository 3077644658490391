/**
 * The FlinkStateSnapshot controller (FKO FlinkStateSnapshotController, reference §3.19): each pass
 * observes a triggered snapshot, validates, triggers a pending one, and keeps status and labels
 * current. Deletion disposes of savepoint data (see disposal.ts). The job a snapshot refers to is
 * found through per-kind resolvers, so session jobs plug in without touching this file.
 */
import { FLINK_STATE_SNAPSHOT_NAMES } from "../../api/kinds.ts";
import { safeParseFlinkStateSnapshot } from "../../api/parse.ts";
import { getOption } from "../../config/option.ts";
import { Action } from "../../runtime/action.ts";
import type { ControllerSpec, ReconcileContext, SecondaryWatch } from "../../runtime/controller.ts";
import type { ResourceType } from "../../kube/resource.ts";
import { FlinkStateSnapshots } from "../resources.ts";
import type { SnapshotJobResolver } from "./job_target.ts";
import { serializeErrorJson } from "../spec/error_json.ts";
import { disposeOnDeletion } from "./disposal.ts";
import { observeInProgress } from "./observe.ts";
import { SNAPSHOT_BACKOFF_BASE, SNAPSHOT_DISPOSAL_TIMEOUT } from "./options.ts";
import {
  log,
  persist,
  type RawSnapshot,
  resolveJob,
  type SnapshotEnv,
  snapshotEvent,
  snapshotKey,
  type SnapshotMemory,
  type SnapshotPass,
  updateIndex,
} from "./snapshot_pass.ts";
import { SnapshotIndex } from "./snapshot_index.ts";
import { FINAL_SNAPSHOT_STATES } from "./snapshot_status.ts";
import { triggerPending } from "./trigger.ts";
import { validateSnapshot } from "./validate.ts";

const VALIDATION_EXCEPTION = "org.apache.flink.kubernetes.operator.exception.ValidationException";

export function flinkStateSnapshotController(env: SnapshotEnv): ControllerSpec<RawSnapshot> {
  const memory: SnapshotMemory = {
    index: new SnapshotIndex(),
    lastPollAt: new Map(),
    failedAt: new Map(),
    checkpointCompletedAt: new Map(),
    backoffBaseMs: getOption(env.config.raw, SNAPSHOT_BACKOFF_BASE),
    disposalTimeoutMs: getOption(env.config.raw, SNAPSHOT_DISPOSAL_TIMEOUT),
  };
  return {
    name: "flinkstatesnapshot",
    type: FlinkStateSnapshots,
    finalizer: FLINK_STATE_SNAPSHOT_NAMES.finalizer,
    labelSelector: env.config.labelSelector,
    watches: resolverWatches(env.resolvers, memory),
    async reconcile(raw, ctx) {
      const s = await startPass(raw, ctx, env, memory);
      if (!s) return Action.requeue(env.config.reconcileIntervalMs);
      const action = await reconcileSnapshot(s);
      updateIndex(s);
      return action;
    },
    async cleanup(raw, ctx) {
      const s = await startPass(raw, ctx, env, memory);
      if (!s) return Action.done();
      const action = await disposeOnDeletion(s);
      if (action.requeueAfterMs === undefined) {
        forget(memory, s);
      } else {
        updateIndex(s);
      }
      return action;
    },
    forget(raw) {
      const key = snapshotKey(raw);
      forget(memory, { key, uid: raw.metadata.uid ?? key });
    },
  };
}

/**
 * One watch per resource type the resolvers depend on (a type several resolvers need, such as
 * FlinkDeployment for both job kinds, is watched once), mapped to the snapshots waiting on it.
 */
function resolverWatches(
  resolvers: readonly SnapshotJobResolver[],
  memory: SnapshotMemory,
): SecondaryWatch[] {
  const byType = new Map<string, { type: ResourceType; resolvers: SnapshotJobResolver[] }>();
  for (const resolver of resolvers) {
    for (const type of resolver.watches) {
      const id = `${type.group}/${type.plural}`;
      const entry = byType.get(id) ?? { type, resolvers: [] };
      entry.resolvers.push(resolver);
      byType.set(id, entry);
    }
  }
  return [...byType.values()].map(({ type, resolvers }) => ({
    type,
    map: (obj) => memory.index.snapshotsOf(resolvers.flatMap((r) => r.jobsAffectedBy(obj, type))),
  }));
}

async function reconcileSnapshot(s: SnapshotPass): Promise<Action> {
  let action: Action | undefined;
  if (s.status.state === "IN_PROGRESS") action = await observeInProgress(s);

  const problems = validateSnapshot(s.snapshot, {
    supportedKinds: s.env.resolvers.map((r) => r.kind),
    jobExists: s.job !== undefined,
  });
  if (problems.length > 0) {
    const message = problems.join(" ");
    s.status.error = serializeErrorJson(new Error(message), { type: VALIDATION_EXCEPTION });
    await snapshotEvent(s, { type: "Warning", reason: "ValidationError", message });
    await persist(s);
    return Action.requeue(s.env.config.reconcileIntervalMs);
  }

  if (s.status.state === "TRIGGER_PENDING") action = await triggerPending(s);
  await persist(s);
  if (action) return action;
  return FINAL_SNAPSHOT_STATES.includes(s.status.state)
    ? Action.done()
    : Action.requeue(s.env.config.reconcileIntervalMs);
}

/** Parses the resource; one that cannot be read gets a status error and an event. */
async function startPass(
  raw: RawSnapshot,
  ctx: ReconcileContext<RawSnapshot>,
  env: SnapshotEnv,
  memory: SnapshotMemory,
): Promise<SnapshotPass | undefined> {
  const parsed = safeParseFlinkStateSnapshot(raw);
  if (!parsed.ok) {
    const message = parsed.error.message;
    log.warn("cannot read snapshot: {error}", { error: message });
    await ctx.events.record(raw, {
      type: "Warning",
      reason: "ValidationError",
      message,
      component: "Snapshot",
    });
    if (!raw.metadata.deletionTimestamp) {
      await ctx.writeStatus(raw, {
        ...(raw.status as Record<string, unknown> ?? {}),
        error: serializeErrorJson(new Error(message), { type: VALIDATION_EXCEPTION }),
      });
    }
    return undefined;
  }
  const snapshot = parsed.value;
  const base = { raw, snapshot, ctx, env };
  return {
    ...base,
    status: snapshot.status,
    memory,
    job: resolveJob(base),
    key: snapshotKey(raw),
    uid: raw.metadata.uid ?? snapshotKey(raw),
    name: raw.metadata.name!,
  };
}

function forget(memory: SnapshotMemory, s: Pick<SnapshotPass, "key" | "uid">): void {
  memory.index.untrack(s.key);
  memory.lastPollAt.delete(s.uid);
  memory.failedAt.delete(s.uid);
  memory.checkpointCompletedAt.delete(s.uid);
}
