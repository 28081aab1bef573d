/** The engine's behaviour suites on a real PostgreSQL server (DATABASE_URL); skipped, with a message, without one. */
import { describe, it } from "vitest";
import { postgresUrl } from "../testing/databases.ts";
import { childWorkflowBehaviour } from "./child.behaviour.ts";
import { continueAsNewBehaviour } from "./continue-as-new.behaviour.ts";
import { localActivityBehaviour } from "./local-activity.behaviour.ts";
import { fairnessBehaviour } from "./fairness.behaviour.ts";
import { queryBehaviour } from "./query.behaviour.ts";
import { scheduleBehaviour } from "./schedule.behaviour.ts";
import { startPoliciesBehaviour } from "./start-policies.behaviour.ts";
import { updateBehaviour } from "./update.behaviour.ts";
import { engineBehaviour } from "./worker.behaviour.ts";

if (postgresUrl()) {
  engineBehaviour("postgres");
  continueAsNewBehaviour("postgres");
  startPoliciesBehaviour("postgres");
  queryBehaviour("postgres");
  childWorkflowBehaviour("postgres");
  updateBehaviour("postgres");
  localActivityBehaviour("postgres");
  scheduleBehaviour("postgres");
  fairnessBehaviour("postgres");
} else {
  describe("engine behaviour on postgres", () => {
    it.skip("skipped: set DATABASE_URL=postgres://... to run the behaviour suite against a real server", () => {});
  });
}
