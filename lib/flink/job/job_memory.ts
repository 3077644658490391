/**
 * What a job controller remembers between passes. Owned by the controller (one per controller
 * instance, passed explicitly to every pass) and forgotten when a resource is deleted; losing it
 * on a restart is harmless, as for FKO's in-memory stores.
 */
import { LastTriggerStore } from "../snapshot/trigger_decision.ts";
import { TransportCache } from "../rest/transport_cache.ts";
import { ParsedSpecs } from "./parsed_specs.ts";
import type { ExceptionCursor } from "./job_exceptions.ts";

export class JobMemory {
  /** Generation a SpecChanged event was emitted for, per uid (FKO emits it once per generation). */
  readonly specChangedGeneration = new Map<string, number>();
  /** When the last periodic savepoint/checkpoint was triggered, per uid. */
  readonly lastTriggers = new LastTriggerStore();
  /** The newest job exception reported as a JobException event, per uid. */
  readonly exceptionCursors = new Map<string, ExceptionCursor>();
  /**
   * When the job run (`<job id>@<start time>`) was first seen globally terminal, per uid: its
   * checkpoint statistics are only sure to be final a cache timeout later (observe_job.ts).
   */
  readonly terminalSeen = new Map<string, { run: string; at: number }>();
  /** The resolved REST transport of each resource's JobManager, while its pods stay the same. */
  readonly transports = new TransportCache();
  /**
   * What `status.clusterInfo` was last read for, per uid (deployment/observe.ts): the job run
   * and spec it describes, and when.
   */
  readonly clusterInfoRead = new Map<string, { identity: string; at: number }>();
  /** The specs read back from each resource's status, parsed (bookkeeping.ts). */
  readonly parsedSpecs = new ParsedSpecs();

  forget(uid: string): void {
    this.specChangedGeneration.delete(uid);
    this.lastTriggers.forget(uid);
    this.exceptionCursors.delete(uid);
    this.terminalSeen.delete(uid);
    this.transports.forget(uid);
    this.clusterInfoRead.delete(uid);
    this.parsedSpecs.forget(uid);
  }
}
