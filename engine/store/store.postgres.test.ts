/** The Store contract on a real PostgreSQL server (DATABASE_URL); skipped, with a message, without one. */
import { describe, it } from "vitest";
import { postgresUrl } from "../testing/databases.ts";
import { storeConformance } from "./store.conformance.ts";

if (postgresUrl()) {
  storeConformance("postgres");
} else {
  describe("Store conformance on postgres", () => {
    it.skip("skipped: set DATABASE_URL=postgres://... to run the conformance suite against a real server", () => {});
  });
}
