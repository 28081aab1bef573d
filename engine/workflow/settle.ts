/**
 * Let workflow code run until it blocks.
 *
 * Workflow code only awaits promises the runtime controls, and those are
 * resolved synchronously, in history order. What runs next is a chain of
 * microtasks, and Node drains the whole microtask queue before it runs the
 * next macrotask. So one turn through setImmediate returns exactly when the
 * workflow is blocked again (or done). This reads no clock and orders nothing
 * by time, which is why it is the one use of setImmediate the determinism lint
 * rule allows in engine/.
 */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
