/**
 * Payload validation: plain JSON passes and keeps its text; anything
 * JSON.stringify would silently change is refused with a typed error naming
 * the path; the size limit is enforced on the encoded bytes.
 */
import { describe, expect, it } from "vitest";
import { PayloadError } from "./errors.ts";
import { PAYLOAD_BYTES_MAX } from "./limits.ts";
import fc from "fast-check";
import { checkSerializable, encodePayload, serializable } from "./payload.ts";

describe("encodePayload", () => {
  it("encodes plain JSON values; undefined becomes null at the top and in arrays, and is omitted in objects", () => {
    expect(encodePayload({ b: 1, a: [1, "x", null, true, { c: -0.5 }] }, "input")).toBe('{"b":1,"a":[1,"x",null,true,{"c":-0.5}]}');
    expect(encodePayload(undefined, "input")).toBe("null");
    expect(encodePayload([1, undefined], "input")).toBe("[1,null]");
    expect(encodePayload({ a: undefined, b: 2 }, "input")).toBe('{"b":2}');
    expect(encodePayload(Object.assign(Object.create(null), { k: 1 }), "input")).toBe('{"k":1}');
  });

  it.each([
    ["a Date", { when: new Date(0) }, "$.when", "Date"],
    ["a Map", { m: new Map() }, "$.m", "Map"],
    ["a bigint", { n: 10n }, "$.n", "bigint"],
    ["a function", [() => 1], "$[0]", "function"],
    ["NaN", { x: NaN }, "$.x", "finite"],
    ["Infinity", [Infinity], "$[0]", "finite"],
    ["a symbol", { s: Symbol("s") }, "$.s", "symbol"],
    ["a class instance", { p: new (class Point {})() }, "$.p", "Point"],
  ])("refuses %s, naming where it is", (_label, value, path, reason) => {
    let error: unknown;
    try {
      encodePayload(value, "workflow input");
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PayloadError);
    expect(error).toMatchObject({ code: "PAYLOAD_NOT_SERIALIZABLE", details: { what: "workflow input", path } });
    expect((error as Error).message).toContain(reason);
  });

  it("refuses circular references", () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => encodePayload(a, "input")).toThrow(/circular reference/);
    // A shared (non-circular) object is fine.
    const shared = { v: 1 };
    expect(encodePayload([shared, shared], "input")).toBe('[{"v":1},{"v":1}]');
  });

  it("enforces PAYLOAD_BYTES_MAX on encoded UTF-8 bytes", () => {
    const fits = "x".repeat(PAYLOAD_BYTES_MAX - 2); // two quote characters
    expect(encodePayload(fits, "input").length).toBe(PAYLOAD_BYTES_MAX);
    expect(() => encodePayload(`${fits}x`, "input")).toThrow(PayloadError);
    const multiByte = "é".repeat(PAYLOAD_BYTES_MAX / 2); // 2 bytes each, plus quotes
    expect(() => encodePayload(multiByte, "activity result")).toThrowError(
      expect.objectContaining({ code: "PAYLOAD_TOO_LARGE", details: { what: "activity result", bytes: PAYLOAD_BYTES_MAX + 2, limit: PAYLOAD_BYTES_MAX } }),
    );
  });

  it("the quick walk accepts exactly what the detailed check accepts", () => {
    const accepted = (v: unknown) => {
      try {
        checkSerializable(v, "value", "$", new Set(), 0);
        return true;
      } catch (err) {
        expect(err).toBeInstanceOf(PayloadError);
        return false;
      }
    };
    const anything = fc.anything({
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withObjectString: true,
      withSparseArray: true,
      withTypedArray: true,
      withUnicodeString: true,
    });
    const values = fc.oneof(anything, fc.jsonValue(), fc.constantFrom(NaN, Infinity, -Infinity, undefined, () => 1, Symbol("s")));
    let refused = 0;
    fc.assert(
      fc.property(values, (v) => {
        const ok = accepted(v);
        if (!ok) refused += 1;
        expect(serializable(v, new Set(), 0)).toBe(ok);
      }),
      { numRuns: 2_000 },
    );
    expect(refused).toBeGreaterThan(100);
    const circular: Record<string, unknown> = { a: [1] };
    (circular.a as unknown[]).push(circular);
    expect(serializable(circular, new Set(), 0)).toBe(false);
    // A shared (not circular) object is fine for both.
    const shared = { x: 1 };
    expect(serializable({ a: shared, b: [shared] }, new Set(), 0)).toBe(accepted({ a: shared, b: [shared] }));
  });
});
