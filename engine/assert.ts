/**
 * Assertions are for programmer bugs: a failed assertion means the engine's own
 * invariants are broken, and the process should stop, not carry on. Operating
 * failures a caller can handle are typed RatchetErrors (see errors.ts).
 */
export class AssertionError extends Error {
  override name = "AssertionError";
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(`ratchet invariant violated: ${message}`);
}

export function unreachable(value: never, message = "unreachable"): never {
  throw new AssertionError(`ratchet invariant violated: ${message}: ${JSON.stringify(value)}`);
}
