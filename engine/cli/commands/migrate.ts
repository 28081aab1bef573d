/** `ratchet migrate`: apply pending schema migrations. */
import { migrate, schemaVersion } from "../../store/migrate.ts";
import { expectPositionals } from "../args.ts";
import { JSON_FLAG_HELP, JSON_OPTION, type CommandSpec } from "../command.ts";
import { EXIT } from "../exit-codes.ts";
import { withDatabase } from "../session.ts";

export const migrateCommand: CommandSpec = {
  name: "migrate",
  summary: "apply pending schema migrations (safe to run concurrently and repeatedly)",
  usage: "migrate [--db TARGET] [--schema NAME] [--json]",
  options: { ...JSON_OPTION },
  flagHelp: [JSON_FLAG_HELP],
  jsonShape: '{"schema": "ratchet", "applied": [1], "version": 1}   (applied: versions applied by this run, [] if up to date)',
  async run(ctx) {
    expectPositionals("migrate", ctx.flags, []);
    const { schema, applied, version } = await withDatabase(ctx, async ({ db }, schema) => {
      const applied = await migrate(db, schema);
      return { schema, applied, version: await schemaVersion(db, schema) };
    });
    if (ctx.out.json) ctx.out.data({ schema, applied, version });
    else if (applied.length === 0) ctx.out.line(`schema ${schema} is up to date (version ${version})`);
    else ctx.out.line(`applied migration${applied.length === 1 ? "" : "s"} ${applied.join(", ")} to schema ${schema} (now at version ${version})`);
    return EXIT.ok;
  },
};
