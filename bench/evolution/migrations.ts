// The bench board's migration (bench/evolution/stores): v1 -> v2.
import type { JsonObject } from "redis-memory";
import { Board as V2 } from "./stores/v2/board.js";

/** v1 -> v2: `name` becomes `title`, the tag list a dict, each card gets `at`. */
export function toV2(v1: JsonObject): JsonObject {
  const { name, tags, cards, ...rest } = v1 as { name: string; tags?: string[]; cards?: { text: string }[] } & JsonObject;
  return {
    ...rest,
    title: name,
    tags: Object.fromEntries((tags ?? []).map((t) => [t, true])),
    cards: (cards ?? []).map((c) => ({ ...c, at: 0 })),
  };
}

V2.migrations({ 2: toV2 });

export { V2 };
