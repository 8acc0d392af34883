// A store's events: `change` (a write, local or another process's), `error` (a
// failure nobody awaits: a refused batch, a failed reload, a listener that threw)
// and `status` (connection and lifecycle). Listeners are called in order; one that
// throws is reported as an `error` event and never breaks the write path.
import { ListenerError, type DataPath } from "./errors.js";
import type { Node } from "./node.js";
import type { OpName } from "./ops.js";
import type { JsonValue } from "./values.js";

export interface ChangeEvent {
  readonly path: DataPath;
  readonly op: OpName;
  readonly source: "local" | "remote";
  /**
   * `op: "keep"` (a list with `keepLast`): the elements the write dropped from the front
   * of the list, oldest first, as plain data: the last chance to read them.
   */
  readonly dropped?: readonly JsonValue[];
}
/** Hears each change of a replica: the container, the operation's name, the key or index when one place changed, and what a retention dropped. */
export type ChangeReport = (node: Node, op: OpName, key?: string | number, dropped?: readonly JsonValue[]) => void;

export type StatusEvent =
  /**
   * `expired` (the instance's ttl ran out) and `vanished` (it was deleted, evicted or lost
   * in a restart, or made again by another store): the store now holds a new instance,
   * with the schema's defaults and `init` filled as on a first open.
   */
  | { readonly status: "connected" | "disconnected" | "reloaded" | "expired" | "vanished" | "offline" | "synced" }
  /** The server's `maxmemory-policy` may evict single keys of the instance (detected and reported, never silent). */
  | { readonly status: "evicting"; readonly policy: string };
export interface StoreEvents {
  change: ChangeEvent;
  error: Error;
  status: StatusEvent;
}
export type EventName = keyof StoreEvents;

export class Events {
  private readonly listeners: { [K in EventName]: Set<(event: StoreEvents[K]) => void> } = {
    change: new Set(),
    error: new Set(),
    status: new Set(),
  };

  /** Subscribes `listener`; returns the function that unsubscribes it. */
  on<K extends EventName>(event: K, listener: (event: StoreEvents[K]) => void): () => void {
    const set = this.listeners[event] as Set<(event: StoreEvents[K]) => void>;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Whether anyone listens (a change event's path is computed only then). */
  has(event: EventName): boolean {
    return this.listeners[event].size > 0;
  }

  emit<K extends EventName>(event: K, payload: StoreEvents[K]): void {
    for (const listener of this.listeners[event] as Set<(event: StoreEvents[K]) => void>) {
      try {
        listener(payload);
      } catch (error) {
        // A throwing listener must not break the write path; report it once.
        if (event !== "error") this.emit("error", new ListenerError(event, error));
      }
    }
  }
}
