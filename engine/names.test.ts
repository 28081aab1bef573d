/**
 * Name validation: schema names (the one identifier spliced into SQL) must
 * match a strict pattern and come back quoted; queue, type, signal names and
 * workflow ids are bounded and checked, with errors that name the field.
 */
import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "./errors.ts";
import { checkQueueName, checkSignalName, checkTypeName, checkWorkflowId, schemaIdentifier } from "./names.ts";

describe("names", () => {
  it("quotes valid schema names and refuses anything that could break out of an identifier", () => {
    expect(schemaIdentifier("ratchet")).toBe('"ratchet"');
    expect(schemaIdentifier("_tenant_42")).toBe('"_tenant_42"');
    for (const bad of ['x"; DROP TABLE runs; --', "Ratchet", "9lives", "", "a-b", "a".repeat(49), "ümlaut"]) {
      expect(() => schemaIdentifier(bad)).toThrowError(expect.objectContaining({ code: "INVALID_ARGUMENT", details: { field: "schema", value: bad } }));
    }
  });

  it("checks queue names", () => {
    expect(checkQueueName("orders.v2:eu-west/1")).toBe("orders.v2:eu-west/1");
    for (const bad of ["", " orders", "orders queue", "-x", "x".repeat(201), 42]) {
      expect(() => checkQueueName(bad)).toThrow(InvalidArgumentError);
    }
    expect(() => checkQueueName("bad queue")).toThrow(/invalid taskQueue "bad queue"/);
  });

  it("checks type and signal names and workflow ids", () => {
    expect(checkTypeName("order.v2", "workflowType")).toBe("order.v2");
    expect(() => checkTypeName("2fast", "activityType")).toThrow(/invalid activityType/);
    expect(() => checkSignalName("")).toThrow(/invalid signal name/);
    expect(checkWorkflowId("order #42 / customer ä")).toBe("order #42 / customer ä");
    expect(() => checkWorkflowId("")).toThrow(/invalid workflowId/);
    expect(() => checkWorkflowId("a\u0000b")).toThrow(/control characters/);
    expect(() => checkWorkflowId("x".repeat(1_001))).toThrow(InvalidArgumentError);
  });
});
