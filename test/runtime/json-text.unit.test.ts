// The stored form of scalars: scalarText is a fast path of JSON.stringify and must give
// exactly its text for every value (Redis holds it; loads and other clients parse it).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scalarText } from "../../runtime/values.js";
import { property } from "../helpers/property.js";

describe("scalarText", () => {
  it("writes what JSON.stringify writes, for any string (escapes, controls, lone surrogates, pairs)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary" }), fc.string({ unit: "grapheme" }), fc.string()), (text) => {
        expect(scalarText(text)).toBe(JSON.stringify(text));
      }),
      property(2_000),
    );
  });

  it("writes what JSON.stringify writes, for numbers, booleans and null", () => {
    fc.assert(
      fc.property(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.boolean(), fc.constant(null)), (value) => {
        expect(scalarText(value)).toBe(JSON.stringify(value));
      }),
    );
  });
});
