// One table of operations (runtime/op/rows.ts) applies an operation to the replica, for
// the store that wrote it and for every live store that reads it from the log: after
// each kind of write both replicas hold what Redis holds, and report the change at the
// same place, under the same operation name.
import { describe, expect, it } from "vitest";
import { DetachedError, type ChangeEvent } from "redis-memory";
import { openApp, rawClient, uniqueId, type App } from "../helpers/redis.js";
import { settle } from "./settle.js";

interface Case {
  readonly name: string;
  /** Writes made before the one under test (both stores start from them). */
  readonly before?: (store: App) => void;
  readonly write: (store: App) => void;
  /** The write detaches `data.user.tags`, which both stores held before it. */
  readonly detaches?: boolean;
}

const cases: Case[] = [
  { name: "push", write: (s) => void s.tasks.push(1, 2) },
  { name: "push of one value", before: (s) => void s.tasks.push(1), write: (s) => void s.tasks.push(2) },
  { name: "unshift", before: (s) => void s.tasks.push(1), write: (s) => void s.tasks.unshift(0) },
  { name: "lset", before: (s) => void s.tasks.push(1, 2), write: (s) => void (s.tasks[1] = 5) },
  { name: "pop", before: (s) => void s.tasks.push(1, 2), write: (s) => void s.tasks.pop() },
  { name: "pop(i) in the middle", before: (s) => void s.tasks.push(1, 2, 3), write: (s) => void s.tasks.pop(1) },
  { name: "shift", before: (s) => void s.tasks.push(1, 2), write: (s) => void s.tasks.shift() },
  { name: "splice", before: (s) => void s.tasks.push(1, 2, 3), write: (s) => void s.tasks.splice(1, 1, 7, 8) },
  { name: "reverse (replace)", before: (s) => void s.tasks.push(1, 2, 3), write: (s) => void s.tasks.reverse() },
  { name: "list clear", before: (s) => void s.tasks.push(1, 2), write: (s) => s.tasks.clear() },
  { name: "length = n (pop)", before: (s) => void s.tasks.push(1, 2, 3), write: (s) => void ((s.tasks as unknown as { length: number }).length = 1) },
  { name: "set", write: (s) => void (s.config.theme = "dark") },
  { name: "del", before: (s) => void (s.config.theme = "dark"), write: (s) => void delete s.config.theme },
  { name: "dict clear", before: (s) => s.config.update({ theme: "dark", lang: "en" }), write: (s) => s.config.clear() },
  { name: "incr", before: (s) => void (s.counter = 1), write: (s) => void s.$incr("counter", 2) },
  {
    name: "a write into an inline record (promote, then push)",
    before: (s) => void s.complex.users.push({ name: "ada", scores: [1] }),
    write: (s) => void s.complex.users[0]!.scores.push(2),
  },
  {
    name: "replacing a record (set: the old subtree is detached)",
    before: (s) => s.data.update({ user: { name: "ada", tags: ["x"] } }),
    write: (s) => s.data.update({ user: { name: "bob", tags: [] } }),
    detaches: true,
  },
];

describe("OPS: local writes and log entries change the replica alike", () => {
  for (const { name, before, write, detaches = false } of cases) {
    it(name, async () => {
      const id = uniqueId("parity");
      const writer = await openApp(id, { live: true });
      before?.(writer);
      await writer.$flush();
      const reader = await openApp(id, { live: true });
      await settle([writer, reader], rawClient());
      // A reference the write may detach: both replicas must detach it, or neither.
      const heldBy = (store: App): object | undefined => store.data.user?.tags;
      const heldWriter = heldBy(writer);
      const heldReader = heldBy(reader);
      const local: ChangeEvent[] = [];
      const remote: ChangeEvent[] = [];
      writer.$on("change", (event) => local.push(event));
      reader.$on("change", (event) => remote.push(event));
      write(writer);
      await writer.$flush();
      await settle([writer, reader], rawClient());

      const fresh = await openApp(id, { live: false });
      expect(writer.$asdict()).toEqual(fresh.$asdict());
      expect(reader.$asdict()).toEqual(fresh.$asdict());
      expect(remote.map((event) => event.path)).toEqual(local.map((event) => event.path));
      expect(remote.map((event) => event.op)).toEqual(local.map((event) => event.op));
      expect(new Set(remote.map((event) => event.source))).toEqual(new Set(remote.length > 0 ? ["remote"] : []));
      const detached = (held: object | undefined): boolean => {
        if (held === undefined) return false;
        try {
          (held as string[]).push("y");
          return false;
        } catch (error) {
          if (error instanceof DetachedError) return true;
          throw error;
        }
      };
      expect(detached(heldWriter)).toBe(detaches);
      expect(detached(heldReader)).toBe(detaches);
    });
  }
});
