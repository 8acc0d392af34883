// The migration of the test stores (test/evolution/stores): v1 -> v2.
import type { JsonObject } from "redis-memory";

/** v1 -> v2: `name` becomes `title`, the tag list a dict, each card gets `at`; a card marks the migration. */
export function toV2(v1: JsonObject): JsonObject {
  const { name, tags, cards, ...rest } = v1 as { name: string; tags?: string[]; cards?: { text: string }[] } & JsonObject;
  return {
    ...rest,
    title: name,
    tags: Object.fromEntries((tags ?? []).map((t) => [t, true])),
    cards: [...(cards ?? []).map((c) => ({ ...c, at: 0 })), { text: "migrated", at: 1 }],
  };
}

