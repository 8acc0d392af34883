// The change feed: reads the instance's log (`ns:log`) on a connection of its own
// and applies other writers' batches to the replica, in log order, exactly once.
// When it cannot know that the replica equals Redis after an entry (a gap in the
// sequence, a rewind, an invalidation, a reconnect, or another writer's entry
// landing while this store's own writes are unseen), it reloads the instance.
// The rule and its proof: README, "Live sync across processes".
import { keysOf, type Backend, type Connection } from "./backend.js";
import { applyLoad, type LoadedState } from "./load.js";
import type { NodeId, Op } from "./ops.js";
import { applyRemote } from "./remote.js";
import type { ChangeEvent, Replica } from "./replica.js";

/** What the feed and reloads share with the store (StoreInternals has these). */
export interface SyncState {
  readonly replica: Replica;
  /** The log position the replica reflects: its seq and entry id. */
  loaded: LoadedState;
  closed: boolean;
  feed?: Feed | undefined;
}

/** Entries read per XREAD call. */
const READ_COUNT = 1_000;
/** Longest pause between retries after the feed's reads or reloads fail. */
const MAX_RETRY_MS = 2_000;

/**
 * Reloads the whole instance into the replica (nodes are reused by id, so
 * collections user code holds stay attached) and emits status "reloaded".
 * A load only counts when no local write was made while it was on the wire:
 * such a write is in the replica but not in the loaded data.
 */
export async function reload(state: SyncState): Promise<void> {
  const replica = state.replica;
  // The feed applies nothing while a load is on the wire, so the load holds every
  // entry the replica has: the replica's position never moves back.
  const feed = state.feed;
  feed?.hold(+1);
  try {
    for (;;) {
      await replica.settled();
      if (state.closed) return;
      if (replica.hasPendingWrites) continue;
      const before = replica.sentBatches;
      const reply = await replica.backend.load(replica.ns);
      if (state.closed) return;
      if (replica.sentBatches !== before || replica.hasPendingWrites) continue;
      state.loaded = applyLoad(replica, reply);
      feed?.reloaded(before);
      replica.emit("status", { status: "reloaded" });
      return;
    }
  } finally {
    feed?.hold(-1);
  }
}

/** Stream ids are `<ms>-<n>`; compares them as numbers. */
export function compareIds(a: string, b: string): number {
  const [am = "0", an = "0"] = a.split("-");
  const [bm = "0", bn = "0"] = b.split("-");
  return Number(am) - Number(bm) || Number(an) - Number(bn);
}

type LogReply = [key: string, entries: [id: string, fields: string[]][]][] | null;

interface LogEntry {
  readonly id: string;
  readonly seq: number;
  readonly client: string | undefined;
  readonly batch: number;
  readonly ops: string | undefined;
  readonly results: string | undefined;
  /** Promotes of the batch that found the element already a container: [from, to, from, to, ...]. */
  readonly aliases: string | undefined;
}

function parseEntry(id: string, fields: readonly string[]): LogEntry {
  const values: Record<string, string> = Object.create(null);
  for (let i = 0; i + 1 < fields.length; i += 2) values[fields[i]!] = fields[i + 1]!;
  return { id, seq: Number(values.s), client: values.c, batch: Number(values.b ?? 0), ops: values.o, results: values.r, aliases: values.a };
}

/** The containers a batch writes to (a promote writes to the parent that holds the element). */
function touchedBy(ops: readonly Op[]): Set<NodeId> {
  const ids = new Set<NodeId>();
  for (const op of ops) ids.add(op[1]);
  return ids;
}

function aliasPairs(flat: string | undefined): [string, string][] {
  const list = flat === undefined ? [] : (JSON.parse(flat) as string[]);
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < list.length; i += 2) pairs.push([list[i]!, list[i + 1]!]);
  return pairs;
}

export class Feed {
  /** A reload is due: entries are not applied until it is done. */
  stale = false;
  /** Loads on the wire: entries are not applied meanwhile. */
  private holds = 0;
  private readonly released: (() => void)[] = [];
  /** Own batches (by batch seq) that are in the replica's log position or before it. */
  private ownSeen: number;
  /** Containers each own batch past `ownSeen` wrote to, by batch seq. */
  private readonly unseen = new Map<number, Set<NodeId>>();
  private readonly connection: Connection;
  private readonly log: string;
  private stopped = false;
  private disconnected = false;
  private reloading: Promise<void> | undefined;
  private readonly running: Promise<void>;
  /** Resolves when stop() is called: a wait on a connection to a server that is gone may never end. */
  private readonly stopping: Promise<void>;
  private signalStop!: () => void;
  /** Pauses between retries, ended early by stop(). */
  private readonly pauses = new Map<NodeJS.Timeout, () => void>();

  /** Starts reading after `state.loaded`; `coveredBatches` is how many own batches that load included. */
  constructor(
    private readonly state: SyncState,
    backend: Backend,
    coveredBatches: number,
  ) {
    this.ownSeen = coveredBatches;
    this.stopping = new Promise((resolve) => {
      this.signalStop = resolve;
    });
    state.replica.onSend = (seq, ops) => this.unseen.set(seq, touchedBy(ops));
    this.log = keysOf(state.replica.ns)[2];
    this.connection = backend.duplicate(`redis-memory:feed:${state.replica.clientId}`);
    this.connection.on("close", () => {
      if (this.stopped || this.disconnected) return;
      this.disconnected = true;
      state.replica.emit("status", { status: "disconnected" });
    });
    this.connection.on("ready", () => {
      if (this.stopped || !this.disconnected) return;
      this.disconnected = false;
      state.replica.emit("status", { status: "connected" });
      // Entries may have been trimmed, or the server restarted, while we were away.
      void this.requestReload();
    });
    this.running = this.run();
  }

  /** Called by `reload()` around a load. */
  hold(delta: number): void {
    this.holds += delta;
    if (this.holds === 0) for (const resolve of this.released.splice(0)) resolve();
  }

  /** Whether the replica matches Redis at its position, with no load on the wire. */
  get current(): boolean {
    return !this.stale && this.holds === 0;
  }

  /** Called by `reload()`: the replica now equals Redis at `state.loaded`. */
  reloaded(coveredBatches: number): void {
    this.seen(coveredBatches);
    this.stale = false;
  }

  /** Stops reading and closes the feed's connection (a blocked read ends with it). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.signalStop();
    for (const [timer, resolve] of this.pauses) {
      clearTimeout(timer);
      resolve();
    }
    this.pauses.clear();
    this.connection.disconnect();
    // A reload still on the wire finds the store closed and changes nothing.
    await this.running;
  }

  /** `promise`, or undefined as soon as stop() is called. */
  private untilStopped<T>(promise: Promise<T>): Promise<T | undefined> {
    promise.catch(() => {});
    return Promise.race([promise, this.stopping.then(() => undefined)]);
  }

  private async run(): Promise<void> {
    let retry = 50;
    while (!this.stopped && !this.state.closed) {
      if (this.stale) {
        await this.untilStopped(this.requestReload());
        continue;
      }
      if (this.holds > 0) {
        await this.untilStopped(new Promise<void>((resolve) => this.released.push(resolve)));
        continue;
      }
      let reply: LogReply | undefined;
      try {
        const read = this.connection.xread("COUNT", READ_COUNT, "BLOCK", 0, "STREAMS", this.log, this.state.loaded.lastId);
        reply = (await this.untilStopped(read)) as LogReply | undefined;
        retry = 50;
      } catch (error) {
        if (this.stopped) return;
        this.state.replica.emit("error", error instanceof Error ? error : new Error(String(error)));
        await this.pause(retry);
        retry = Math.min(retry * 2, MAX_RETRY_MS);
        continue;
      }
      if (this.stopped) return;
      for (const [, entries] of reply ?? []) {
        for (const [id, fields] of entries) {
          // Left for the next read, from the position the reload gives.
          if (!this.current) break;
          this.take(parseEntry(id, fields));
        }
      }
    }
  }

  /** Applies one log entry, or marks the replica stale when it cannot know the result. */
  private take(entry: LogEntry): void {
    const state = this.state;
    const replica = state.replica;
    // Already in the replica: a reload read past it.
    if (compareIds(entry.id, state.loaded.lastId) <= 0) return;
    // A gap (trimmed or missed entries) or a rewind (server restarted, instance deleted).
    if (entry.seq !== state.loaded.seq + 1) return this.markStale();
    if (entry.client === replica.clientId) {
      // Applied locally when it was written.
      this.seen(entry.batch);
      state.loaded = { seq: entry.seq, lastId: entry.id };
      return;
    }
    if (entry.ops === undefined) return this.markStale();
    let events: ChangeEvent[];
    try {
      const ops = JSON.parse(entry.ops) as Op[];
      if (this.overlapsUnseen(ops)) return this.markStale();
      events = applyRemote(replica, ops, entry.results === undefined ? [] : (JSON.parse(entry.results) as string[]), aliasPairs(entry.aliases));
    } catch {
      // Whatever failed, the replica may be half-way: Redis is the truth.
      return this.markStale();
    }
    state.loaded = { seq: entry.seq, lastId: entry.id };
    for (const event of events) replica.emit("change", event);
  }

  /** Own batches up to `batch` are in the replica's log position. */
  private seen(batch: number): void {
    this.ownSeen = Math.max(this.ownSeen, batch);
    for (const seq of this.unseen.keys()) if (seq <= this.ownSeen) this.unseen.delete(seq);
  }

  /**
   * Whether another writer's batch writes to a container that own writes the log
   * has not shown yet also write to. Those come after it in Redis but before it in
   * the replica; writes to different containers give the same result in either
   * order, writes to one container may not.
   */
  private overlapsUnseen(ops: readonly Op[]): boolean {
    const theirs = touchedBy(ops);
    const replica = this.state.replica;
    for (const op of replica.queuedOps) if (theirs.has(op[1])) return true;
    for (let seq = this.ownSeen + 1; seq <= replica.sentBatches; seq++) {
      const mine = this.unseen.get(seq);
      // Sent before the feed started: what it touched is not known.
      if (mine === undefined) return true;
      for (const id of mine) if (theirs.has(id)) return true;
    }
    return false;
  }

  private markStale(): void {
    this.stale = true;
  }

  /** Reloads (once at a time) until the replica is fresh; retries with a growing pause on failure. */
  private requestReload(): Promise<void> {
    this.stale = true;
    this.reloading ??= (async () => {
      let retry = 50;
      while (this.stale && !this.stopped && !this.state.closed) {
        try {
          await reload(this.state);
        } catch (error) {
          if (this.stopped || this.state.closed) break;
          this.state.replica.emit("error", error instanceof Error ? error : new Error(String(error)));
          await this.pause(retry);
          retry = Math.min(retry * 2, MAX_RETRY_MS);
        }
      }
    })().finally(() => {
      this.reloading = undefined;
    });
    return this.reloading;
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pauses.delete(timer);
        resolve();
      }, ms);
      this.pauses.set(timer, resolve);
    });
  }
}
