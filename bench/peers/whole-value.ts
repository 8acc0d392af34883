// Peer: the strategy of the Python redis-memory (sinan-ozel/redis-memory 0.3):
// every top-level attribute is one Redis string holding
// `{"value": <whole value>, "last_modified": <ns timestamp>}`, and any mutation
// of it (a list append, a nested key write) serialises the whole top-level value
// again and SETs it, waiting for the reply, before the next mutation.
//
// Kinder than the original, so the comparison cannot flatter us: the Python
// library also opens a fresh connection and PINGs, then GETs and parses the
// stored value to compare timestamps, on every mutation; this peer reuses one
// connection and only SETs.
import type { Redis } from "ioredis";

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Nanoseconds since the epoch, as Python's time.time_ns() prints (19 digits). */
function timestampNs(): number {
  return Date.now() * 1_000_000;
}

export class WholeValueMemory {
  private readonly values = new Map<string, JsonValue>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  key(name: string): string {
    return `${this.prefix}${name}`;
  }

  /** `mem.name = value`. */
  async set(name: string, value: JsonValue): Promise<void> {
    this.values.set(name, value);
    await this.save(name);
  }

  get(name: string): JsonValue | undefined {
    return this.values.get(name);
  }

  /** A mutation inside a top-level value (`mem.tasks.append(x)`): the whole value is written again. */
  async mutate<T extends JsonValue>(name: string, change: (value: T) => void): Promise<void> {
    change(this.values.get(name) as T);
    await this.save(name);
  }

  /** `list.append(x)` in the Python SyncedList: append, then sync the top-level value. */
  append(name: string, item: JsonValue): Promise<void> {
    return this.mutate<JsonValue[]>(name, (list) => {
      list.push(item);
    });
  }

  private async save(name: string): Promise<void> {
    const payload = { value: this.values.get(name) ?? null, last_modified: timestampNs() };
    await this.redis.set(this.key(name), JSON.stringify(payload));
  }
}
