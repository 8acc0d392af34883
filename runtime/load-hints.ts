// The containers an instance held when a connection last loaded it. The next load of that
// instance on that connection reads them in its first round instead of learning them from
// ns:meta first: a conversation opened again costs one round trip, as LRANGE does. A hint
// only: the container registry the load reads decides what the instance holds (a stale
// hint costs reads of keys the load then skips, or a second round, as without a hint).
import type { NodeId } from "./ops.js";

/** Instances remembered per connection; the least recently loaded is forgotten first. */
const LIMIT = 1_000;

/** Per connection (dropped with it): instance namespace -> container id -> "l" or "d". */
const hints = new WeakMap<object, Map<string, ReadonlyMap<NodeId, string>>>();

export function loadHint(connection: object, ns: string): ReadonlyMap<NodeId, string> | undefined {
  return hints.get(connection)?.get(ns);
}

export function rememberLoad(connection: object, ns: string, kinds: ReadonlyMap<NodeId, string>): void {
  let known = hints.get(connection);
  if (known === undefined) hints.set(connection, (known = new Map()));
  known.delete(ns);
  known.set(ns, kinds);
  if (known.size > LIMIT) for (const oldest of known.keys()) return void known.delete(oldest);
}
