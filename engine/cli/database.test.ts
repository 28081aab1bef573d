// Proves how the CLI chooses and describes its database: --db wins over
// DATABASE_URL, relative pglite directories resolve against the working
// directory, unknown targets are refused, and a password never appears in a
// description (neither in the user part nor as ?password=).
import { describe, expect, it } from "vitest";
import { RatchetError } from "../errors.ts";
import { parseCommandArgs } from "./args.ts";
import { describePostgresUrl, resolveDatabaseTarget, resolveSchema } from "./database.ts";
import { processIo } from "./io.ts";

function target(argv: string[], env: Record<string, string> = {}) {
  return resolveDatabaseTarget(parseCommandArgs("migrate", {}, argv), processIo({ env, cwd: "/srv/app" }));
}

describe("resolveDatabaseTarget", () => {
  it("prefers --db over DATABASE_URL", () => {
    expect(target(["--db", "pglite:data"], { DATABASE_URL: "postgres://db/x" })).toEqual({ kind: "pglite-dir", dir: "/srv/app/data", description: "pglite:/srv/app/data" });
    expect(target([], { DATABASE_URL: "postgres://u:pw@db:5432/x" })).toEqual({ kind: "postgres", url: "postgres://u:pw@db:5432/x", description: "postgres://u:***@db:5432/x" });
  });

  it("knows the in-memory and absolute-directory PGlite forms", () => {
    expect(target(["--db", "pglite"]).kind).toBe("pglite-memory");
    expect(target(["--db", "pglite:memory"]).kind).toBe("pglite-memory");
    expect(target(["--db", "pglite:/var/lib/ratchet"])).toMatchObject({ kind: "pglite-dir", dir: "/var/lib/ratchet" });
    expect(target(["--db", "postgresql://db/x"]).kind).toBe("postgres");
  });

  it("refuses no target, an empty DATABASE_URL, and unknown schemes", () => {
    expect(() => target([])).toThrow(/set DATABASE_URL or pass --db/);
    expect(() => target([], { DATABASE_URL: "" })).toThrow(/set DATABASE_URL or pass --db/);
    expect(() => target([], { DATABASE_URL: "sqlite:x.db" })).toThrow(/invalid DATABASE_URL "sqlite:x.db"/);
    expect(() => target(["--db", "mysql://root:pw@h/x"])).toThrow(RatchetError);
  });
});

describe("describePostgresUrl", () => {
  it("masks passwords in the user part and the query string", () => {
    expect(describePostgresUrl("postgres://app:s3cret@db:5432/prod?sslmode=require&password=s3cret")).toBe("postgres://app:***@db:5432/prod?sslmode=require&password=***");
    expect(describePostgresUrl("postgres://db/x")).toBe("postgres://db/x");
    expect(describePostgresUrl("postgres://[broken")).toBe("<unparseable connection string>");
  });
});

describe("resolveSchema", () => {
  it("defaults to ratchet and validates names as SQL identifiers", () => {
    expect(resolveSchema(parseCommandArgs("migrate", {}, []))).toBe("ratchet");
    expect(resolveSchema(parseCommandArgs("migrate", {}, ["--schema", "tenant_7"]))).toBe("tenant_7");
    expect(() => resolveSchema(parseCommandArgs("migrate", {}, ["--schema", "x\"; drop"]))).toThrow(/--schema: invalid schema name/);
  });
});
