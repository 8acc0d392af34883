// The process-wide connection pool: every store of the process that targets the
// same Redis (same URL, same options, same client) shares one command connection
// (a Cluster client on a Cluster) and one subscriber connection for the change
// feed, however many stores are open. Counted by lease: the last store out closes
// them, except a client the user passed, which is never closed by the library.
import { Backend, type Connection } from "./backend.js";
import { closeClient, connectTarget, targetOf, within, type RedisOption, type Target } from "./connect.js";
import { Subscriber } from "./subscriber.js";

/** One store's use of a pooled target; `release()` once, when the store closes. */
export interface Lease {
  readonly backend: Backend;
  /** The target's subscriber connection, made when the first live store asks for it. */
  subscriber(): Subscriber;
  release(): Promise<void>;
}

interface Entry {
  readonly target: Target;
  refs: number;
  readonly connected: Promise<Backend>;
  backend: Backend | undefined;
  subscriber: Subscriber | undefined;
}

const entries = new Map<string, Entry>();

/** Leases the connections for `option`, connecting them when no open store holds them; bounded by `connectTimeout`. */
export async function acquire(option: RedisOption | undefined, connectTimeout: number): Promise<Lease> {
  const started = Date.now();
  const target = targetOf(option);
  let entry = entries.get(target.key);
  if (!entry) {
    const connected = connectTarget(target, connectTimeout).then((client) => new Backend(client));
    const made: Entry = { target, refs: 0, connected, backend: undefined, subscriber: undefined };
    entry = made;
    entries.set(target.key, made);
    connected.then(
      (backend) => {
        made.backend = backend;
        // Every store that wanted it gave up waiting: nobody will release it.
        if (made.refs === 0 && !target.client) void closeClient(backend.redis);
      },
      () => {
        if (entries.get(target.key) === made) entries.delete(target.key);
      },
    );
  }
  entry.refs++;
  let backend: Backend;
  try {
    // A store that joins a connection still being made waits at most its own connectTimeout.
    backend = await within(entry.connected, started, connectTimeout, "connect to Redis at", target.where, () => undefined);
  } catch (error) {
    await release(entry);
    throw error;
  }
  const held = entry;
  let released = false;
  return {
    backend,
    subscriber: () => (held.subscriber ??= new Subscriber(backend.redis)),
    release: async () => {
      if (released) return;
      released = true;
      await release(held);
    },
  };
}

async function release(entry: Entry): Promise<void> {
  entry.refs--;
  if (entry.refs > 0) return;
  if (entries.get(entry.target.key) === entry) entries.delete(entry.target.key);
  entry.subscriber?.close();
  const client: Connection | undefined = entry.backend?.redis;
  if (client && !entry.target.client) await closeClient(client);
}

/** How many targets the pool holds connections for (for tests and the benchmarks). */
export function pooledTargets(): number {
  return entries.size;
}
