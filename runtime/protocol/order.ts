// A dict's order record, `ns:o:<id>` (runtime/protocol/keys.ts): kept by the batch
// script (runtime/lua/apply.lua, "dict key order") once Redis may store the dict's hash
// as a hashtable, whose HGETALL order is not insertion order. Text: the JSON text of
// each key followed by ",", in the order the keys were inserted; a key deleted and
// written again appears again (its last place counts), a deleted key is still there
// until the record is rewritten (the hash says which keys exist).

/**
 * The fields of a hash (HGETALL's flat field, value list) in their insertion order.
 * Fields the record does not name (it is unreadable, or was evicted) keep Redis' order,
 * before the others.
 */
export function inInsertionOrder(values: readonly string[], record: string | undefined | null): string[] {
  if (!record) return values as string[];
  let keys: unknown;
  try {
    keys = JSON.parse(`[${record.slice(0, -1)}]`);
  } catch {
    return values as string[];
  }
  if (!Array.isArray(keys)) return values as string[];
  const place = new Map<string, number>();
  keys.forEach((key, i) => {
    if (typeof key === "string") place.set(key, i);
  });
  const pairs: [field: string, value: string, place: number][] = [];
  for (let i = 0; i + 1 < values.length; i += 2) pairs.push([values[i]!, values[i + 1]!, place.get(values[i]!) ?? -1]);
  pairs.sort((a, b) => a[2] - b[2]);
  return pairs.flatMap(([field, value]) => [field, value]);
}
