/** Half of the CI sweep over the shipped scenarios (see testing/shipped-sweep.ts): no checker may fail. */
import { describe } from "vitest";
import { sweepShippedScenarios } from "./testing/shipped-sweep.ts";

describe("shipped scenarios, part 1 of 2", () => sweepShippedScenarios(0, 2));
