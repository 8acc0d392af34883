// Node ids are made by the client (random base62) so that a new subtree can be
// written in the same batch as the write that creates it.
import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const ID_LENGTH = 14;
let pool = Buffer.alloc(0);
let offset = 0;

/** A random id of 14 base62 characters (~83 bits). */
export function newId(): string {
  if (offset + ID_LENGTH * 2 > pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  let id = "";
  while (id.length < ID_LENGTH) {
    const byte = pool[offset++] ?? 0;
    // 248 = 4 * 62: rejecting the rest keeps every character equally likely.
    if (byte < 248) id += ALPHABET[byte % 62];
    if (offset >= pool.length) {
      pool = randomBytes(4096);
      offset = 0;
    }
  }
  return id;
}
