// Memory: the untyped store, for parity with the Python redis-memory. Any
// attribute can be set, read and deleted; lists and dicts are synced as usual.
import { deleteField, setField } from "./dict.js";
import { UsageError } from "./errors.js";
import type { OpenOptions } from "./options.js";
import type { DictShape, StoreSchema } from "./shape.js";
import { Store, openStore, rootNode, shareInternals } from "./store.js";
import type { JsonValue } from "./values.js";

const memoryShape: DictShape = { kind: "dict", additional: { kind: "any" } };

const STORE_MEMBERS = new Set<string | symbol>(["toJSON", "constructor"]);

function isStoreMember(key: string | symbol): boolean {
  return typeof key === "symbol" || key.startsWith("$") || STORE_MEMBERS.has(key);
}

/** Store members read as the store's (`mem.constructor` is the class, `mem.$flush` a method): they cannot be fields. */
function notAField(key: string | symbol, what: string): UsageError {
  const name = typeof key === "symbol" ? String(key) : JSON.stringify(key);
  const why = typeof key === "symbol" ? "symbols are not JSON keys" : key.startsWith("$") ? "names starting with $ are the store's" : "it is a member of every store";
  return new UsageError(`${name} cannot be ${what} as a field of an untyped Memory: ${why}`);
}

/**
 * An open untyped Memory. Its fields are typed `any` on purpose: a field is read as a
 * synced collection but written as plain data (`mem.tasks = [1, 2]`), which no index
 * signature can express; generated stores are the typed way.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type UntypedMemory = Memory & { [field: string]: any };

export class Memory extends Store<Record<string, JsonValue>> {
  static readonly schema: StoreSchema = { name: "Memory", shape: memoryShape };
  static override readonly extensible = true;

  /** Any attribute: `mem.tasks = [1, 2]`, `mem.tasks.push(3)`, `delete mem.tasks`. */
  [field: string]: unknown;

  /** `$incr` of a store member would write a field that reads would never show. */
  override $incr(field: string, by?: number): Promise<number> {
    if (isStoreMember(field)) throw notAField(field, "incremented");
    return super.$incr(field, by);
  }

  static async open(options?: OpenOptions<Record<string, JsonValue>>): Promise<UntypedMemory> {
    const store = await openStore(Memory, options);
    const root = rootNode(store);
    const fields = (): Record<string, unknown> => root.fields;
    const proxy = new Proxy(store, {
      get(target, key, receiver) {
        if (!isStoreMember(key) && typeof key === "string") {
          const data = fields();
          if (key in data) return data[key];
          if (!(key in target)) return undefined;
        }
        return Reflect.get(target, key, receiver);
      },
      set(target, key, value) {
        if (isStoreMember(key)) throw notAField(key, "assigned");
        setField(root, key as string, value);
        return true;
      },
      deleteProperty(target, key) {
        // As on an object: deleting what it does not hold does nothing.
        if (isStoreMember(key)) return true;
        return deleteField(root, key as string);
      },
      defineProperty(target, key, descriptor) {
        if (isStoreMember(key)) throw notAField(key, "defined");
        if (!("value" in descriptor)) throw new UsageError(`${JSON.stringify(key)}: only data properties can be defined on an untyped Memory`);
        setField(root, key as string, descriptor.value);
        return true;
      },
      has(target, key) {
        return typeof key === "string" && !isStoreMember(key) ? key in fields() : Reflect.has(target, key);
      },
      ownKeys() {
        return Object.keys(fields());
      },
      getOwnPropertyDescriptor(target, key) {
        const data = fields();
        if (typeof key !== "string" || !(key in data)) return undefined;
        return { value: data[key], writable: true, enumerable: true, configurable: true };
      },
    });
    shareInternals(store, proxy);
    return proxy as UntypedMemory;
  }
}
