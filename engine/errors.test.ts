import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { toFailureInfo } from "./errors.ts";

const INSTALL_DIR = fileURLToPath(new URL("../", import.meta.url));

describe("toFailureInfo", () => {
  it("records stack frames in Ratchet's own files relative to where it is installed, so a history does not depend on the checkout's directory", () => {
    const info = toFailureInfo(new Error("boom"));
    expect(info.stack).toContain("boom");
    expect(info.stack).toContain("engine/errors.test.ts");
    expect(info.stack).not.toContain(INSTALL_DIR);
    expect(info.stack).not.toContain(new URL("../", import.meta.url).href);
  });

  it("leaves frames outside the installation as they were", () => {
    const err = new Error("elsewhere");
    err.stack = "Error: elsewhere\n    at handler (/srv/app/handlers.js:3:9)";
    expect(toFailureInfo(err).stack).toBe("Error: elsewhere\n    at handler (/srv/app/handlers.js:3:9)");
  });
});
