/** The engine's behaviour suites on the embedded backend (PGlite). */
import { childWorkflowBehaviour } from "./child.behaviour.ts";
import { continueAsNewBehaviour } from "./continue-as-new.behaviour.ts";
import { localActivityBehaviour } from "./local-activity.behaviour.ts";
import { fairnessBehaviour } from "./fairness.behaviour.ts";
import { queryBehaviour } from "./query.behaviour.ts";
import { scheduleBehaviour } from "./schedule.behaviour.ts";
import { startPoliciesBehaviour } from "./start-policies.behaviour.ts";
import { updateBehaviour } from "./update.behaviour.ts";
import { engineBehaviour } from "./worker.behaviour.ts";

engineBehaviour("pglite");
continueAsNewBehaviour("pglite");
startPoliciesBehaviour("pglite");
queryBehaviour("pglite");
childWorkflowBehaviour("pglite");
updateBehaviour("pglite");
localActivityBehaviour("pglite");
scheduleBehaviour("pglite");
fairnessBehaviour("pglite");
