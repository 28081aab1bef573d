/**
 * Validation of every name that enters the engine. Schema names become SQL
 * identifiers, so they are checked against a strict pattern and quoted; all
 * other names are only ever SQL parameters, but are bounded and checked so a
 * typo fails loudly at the call, not later in a worker.
 */
import { InvalidArgumentError } from "./errors.ts";
import {
  QUEUE_NAME_LENGTH_MAX,
  SEARCH_ATTRIBUTE_CHARS_MAX,
  SEARCH_ATTRIBUTES_MAX,
  SIGNAL_NAME_LENGTH_MAX,
  TYPE_NAME_LENGTH_MAX,
  WORKFLOW_ID_LENGTH_MAX,
} from "./limits.ts";

// 48 characters at most, so the NOTIFY channel "ratchet_<schema>" stays within the 63-byte identifier limit.
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,47}$/;
const QUEUE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:/-]*$/;
const TYPE_NAME = /^[A-Za-z_$][A-Za-z0-9_$.:-]*$/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** A Postgres schema name: lowercase letters, digits and underscores, at most 48 characters. Returns it quoted. */
export function schemaIdentifier(schema: string): string {
  if (typeof schema !== "string" || !SCHEMA_NAME.test(schema)) {
    throw new InvalidArgumentError(
      `invalid schema name ${JSON.stringify(schema)}: use 1-48 lowercase letters, digits or underscores, not starting with a digit`,
      { field: "schema", value: schema },
    );
  }
  return `"${schema}"`;
}

export function checkQueueName(queue: unknown, field = "taskQueue"): string {
  if (typeof queue !== "string" || queue.length === 0 || queue.length > QUEUE_NAME_LENGTH_MAX || !QUEUE_NAME.test(queue)) {
    throw new InvalidArgumentError(
      `invalid ${field} ${JSON.stringify(queue)}: use 1-${QUEUE_NAME_LENGTH_MAX} characters from A-Z a-z 0-9 _ . : / -, starting with a letter or digit`,
      { field, value: queue },
    );
  }
  return queue;
}

export function checkTypeName(name: unknown, field: "workflowType" | "activityType"): string {
  if (typeof name !== "string" || name.length === 0 || name.length > TYPE_NAME_LENGTH_MAX || !TYPE_NAME.test(name)) {
    throw new InvalidArgumentError(
      `invalid ${field} ${JSON.stringify(name)}: use 1-${TYPE_NAME_LENGTH_MAX} characters from A-Z a-z 0-9 _ $ . : -, starting with a letter, _ or $`,
      { field, value: name },
    );
  }
  return name;
}

export function checkSignalName(name: unknown, field: "signal" | "query" | "update" | "patchId" | "search attribute" = "signal"): string {
  if (typeof name !== "string" || name.length === 0 || name.length > SIGNAL_NAME_LENGTH_MAX || !TYPE_NAME.test(name)) {
    throw new InvalidArgumentError(
      `invalid ${field} name ${JSON.stringify(name)}: use 1-${SIGNAL_NAME_LENGTH_MAX} characters from A-Z a-z 0-9 _ $ . : -, starting with a letter, _ or $`,
      { field, value: name },
    );
  }
  return name;
}

export function checkWorkflowId(id: unknown): string {
  if (typeof id !== "string" || id.length === 0 || id.length > WORKFLOW_ID_LENGTH_MAX || CONTROL_CHARS.test(id)) {
    throw new InvalidArgumentError(
      `invalid workflowId ${JSON.stringify(id)}: use a non-empty string of at most ${WORKFLOW_ID_LENGTH_MAX} characters without control characters`,
      { field: "workflowId", value: id },
    );
  }
  return id;
}

/** A whole number within [min, max]; `field` names it in the error. */
export function checkInteger(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`invalid ${field} ${JSON.stringify(value)}: expected a whole number from ${min} to ${max}`, { field, value, min, max });
  }
  return value;
}

/** One of `choices`; `field` names it in the error. */
export function checkChoice<T extends string>(value: unknown, field: string, choices: readonly T[]): T {
  if (typeof value === "string" && (choices as readonly string[]).includes(value)) return value as T;
  throw new InvalidArgumentError(`invalid ${field} ${JSON.stringify(value)}: expected one of ${choices.map((c) => JSON.stringify(c)).join(", ")}`, { field, value });
}

/** A search attribute's value: a string (up to SEARCH_ATTRIBUTE_CHARS_MAX), a finite number or a boolean. */
export type SearchAttributeValue = string | number | boolean;

/**
 * Search attributes: a plain object of at most SEARCH_ATTRIBUTES_MAX keys,
 * each a name like a signal's, each value a string, finite number or
 * boolean. Returns them as JSON text.
 */
export function checkSearchAttributes(value: unknown, field = "searchAttributes"): string {
  if (typeof value !== "object" || value === null || Array.isArray(value) || Object.getPrototypeOf(value) !== Object.prototype) {
    throw new InvalidArgumentError(`invalid ${field}: expected a plain object of names to strings, numbers or booleans`, { field });
  }
  const entries = Object.entries(value);
  if (entries.length > SEARCH_ATTRIBUTES_MAX) {
    throw new InvalidArgumentError(`invalid ${field}: ${entries.length} attributes, at most ${SEARCH_ATTRIBUTES_MAX} (SEARCH_ATTRIBUTES_MAX)`, { field, limit: SEARCH_ATTRIBUTES_MAX });
  }
  for (const [key, v] of entries) {
    checkSignalName(key, "search attribute");
    const ok = typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v)) || (typeof v === "string" && v.length <= SEARCH_ATTRIBUTE_CHARS_MAX);
    if (!ok) {
      throw new InvalidArgumentError(`invalid ${field}.${key} ${JSON.stringify(v) ?? String(v)}: expected a string of at most ${SEARCH_ATTRIBUTE_CHARS_MAX} characters, a finite number or a boolean`, {
        field: `${field}.${key}`,
      });
    }
  }
  return JSON.stringify(value);
}

/** A non-empty string of at most `max` characters; `field` names it in the error. */
export function checkText(value: unknown, field: string, max: number): string {
  if (typeof value === "string" && value.length > 0 && value.length <= max) return value;
  throw new InvalidArgumentError(`invalid ${field} ${JSON.stringify(value)}: expected a string of 1 to ${max} characters`, { field, value });
}

export function checkNumber(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw new InvalidArgumentError(`invalid ${field} ${JSON.stringify(value)}: expected a number from ${min} to ${max}`, { field, value, min, max });
  }
  return value;
}
