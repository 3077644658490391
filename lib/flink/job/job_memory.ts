/**
 * What a job controller remembers between passes. Owned by the controller (one per controller
 * instance, passed explicitly to every pass) and forgotten when a resource is deleted; losing it
 * on a restart is harmless, as for FKO's in-memory stores.
 */
import { LastTriggerStore } from "../snapshot/trigger_decision.ts";
import type { ExceptionCursor } from "./job_exceptions.ts";

export class JobMemory {
  /** Generation a SpecChanged event was emitted for, per uid (FKO emits it once per generation). */
  readonly specChangedGeneration = new Map<string, number>();
  /** When the last periodic savepoint/checkpoint was triggered, per uid. */
  readonly lastTriggers = new LastTriggerStore();
  /** The newest job exception reported as a JobException event, per uid. */
  readonly exceptionCursors = new Map<string, ExceptionCursor>();

  forget(uid: string): void {
    this.specChangedGeneration.delete(uid);
    this.lastTriggers.forget(uid);
    this.exceptionCursors.delete(uid);
  }
}
