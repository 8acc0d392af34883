// The container registry in `ns:meta`: field `n:<id>` ("" is the root) holds the
// container's flags, written by runtime/lua/apply.lua (`flags_text`) and read here.
// Text: kind "l" | "d", then "1" when its key should exist (it is not empty), then "r"
// when it may hold references, then "o" and a count when the dict has an order record
// (runtime/protocol/order.ts; the count of its entries whose key was deleted), then ":" and
// the start of the SHA-1 of the inline text it was promoted from. A missing key whose flags say it should exist was evicted.

export interface ContainerFlags {
  readonly kind: "l" | "d";
  /** Its key should exist: a missing key means Redis evicted it. */
  readonly exists: boolean;
  /** It may hold references to child containers. */
  readonly refs: boolean;
  /** A dict whose key order is kept in its order record: the record's entries whose key was deleted since it was last written whole. */
  readonly order?: number;
  /** The start of the SHA-1 of the record text it was promoted from ("" when it was not). */
  readonly origin: string;
}

/** The registry field of container `id` in `ns:meta`. */
export const registryField = (id: string): string => `n:${id}`;

/** Flags as ns:meta holds them; undefined for text this library did not write. */
export function parseFlags(text: string): ContainerFlags | undefined {
  const match = /^([ld])([01])(r?)(?:o(\d+))?(?::([0-9a-f]*))?$/.exec(text);
  if (!match) return undefined;
  const flags = { kind: match[1] as "l" | "d", exists: match[2] === "1", refs: match[3] === "r", origin: match[5] ?? "" };
  return match[4] === undefined ? flags : { ...flags, order: Number(match[4]) };
}

export function formatFlags(flags: ContainerFlags): string {
  return `${flags.kind}${flags.exists ? "1" : "0"}${flags.refs ? "r" : ""}${flags.order === undefined ? "" : `o${flags.order}`}${flags.origin === "" ? "" : `:${flags.origin}`}`;
}
