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
        if (isStoreMember(key)) throw new UsageError(`${String(key)} is a store member; fields of an untyped Memory cannot start with $`);
        setField(root, key as string, value);
        return true;
      },
      deleteProperty(target, key) {
        if (isStoreMember(key)) return false;
        return deleteField(root, key as string);
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
