/**
 * Scenario files: every shipped scenario parses and stays within the CI
 * budget (about 100 workflows, 60-180 s of virtual time); the example
 * parses with defaults applied and round-trips; and each class of bad input
 * (unknown fault kind, misspelt field, out-of-range number, wrong type,
 * unknown worker, delay without latency, window out of order, fault after
 * heal, invalid JSON, missing file) is a ScenarioError with exit code 2 whose
 * `field` and message name the problem.
 */
import { readdir, readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { CRASH_POINTS, SERVICE_NAMES, WORKLOAD_SHAPES, type Fault, type Scenario } from "./model.ts";
import {
  FAULT_KINDS,
  NETWORK_MODES,
  SEED_DEFAULT,
  SERVICE_BEHAVIORS,
  ScenarioError,
  WORKERS_MAX,
  closestName,
  loadScenarioFile,
  parseScenario,
  parseScenarioText,
} from "./scenario.ts";

const SCENARIOS_DIR = join(import.meta.dirname, "..", "scenarios");

/** The example from issue 3, with a liveness phase that fits in durationMs (see "the example as printed"). */
function example(): Record<string, any> {
  return {
    name: "network-blip",
    description: "...",
    seed: 42,
    durationMs: 120000,
    workers: 3,
    workload: { workflows: 200, startsPerSecond: 20, mix: { linear: 0.3, saga: 0.3, fanout: 0.2, timer: 0.1, signal: 0.1 } },
    faults: [
      { kind: "network.blip", worker: "worker-2", atMs: 10000, forMs: 800, mode: "drop" },
      { kind: "worker.crash", worker: "worker-1", point: "activity.afterEffect", nth: 1, restartAfterMs: 5000 },
      { kind: "db.restart", atMs: 40000, downForMs: 3000 },
      { kind: "db.ambiguousCommit", probability: 0.1, windowMs: [20000, 60000] },
      { kind: "service.outage", service: "payments", windowMs: [30000, 50000], behavior: "timeout" },
      // The 90 s skew would outlast this 30 s liveness bound: see checkSkewFitsLiveness.
      { kind: "clock.skew", worker: "worker-3", atMs: 15000, offsetMs: 25000 },
    ],
    liveness: { healAtMs: 90000, withinMs: 30000 },
  };
}

it("refuses a forward clock skew as long as the liveness bound", () => {
  const error = (() => {
    try {
      parseScenario({ ...example(), faults: [{ kind: "clock.skew", worker: "worker-3", atMs: 15000, offsetMs: 30000 }] }, "skew.json");
    } catch (err) {
      return err as ScenarioError;
    }
    throw new Error("expected a ScenarioError");
  })();
  expect(error.field).toBe("faults[0].offsetMs");
  expect(error.message).toContain("must be less than liveness.withinMs (30000)");
  // Behind is harmless to liveness: it makes leases and timers early, not late.
  expect(parseScenario({ ...example(), faults: [{ kind: "clock.skew", worker: "worker-3", atMs: 15000, offsetMs: -80000 }] }, "behind.json").faults).toHaveLength(1);
});

it("takes a deploy before heal, and names the field of a bad one", () => {
  expect(parseScenario({ ...example(), deploy: { atMs: 20000, restartAfterMs: 1000 } }, "deploy.json").deploy).toEqual({ atMs: 20000, restartAfterMs: 1000 });
  expect(parseScenario(example(), "none.json").deploy).toBeUndefined();
  const late = errorFor((s) => (s.deploy = { atMs: s.liveness.healAtMs, restartAfterMs: 1000 }));
  expect(late.field).toBe("deploy.atMs");
  expect(late.message).toContain("before liveness.healAtMs");
  expect(errorFor((s) => (s.deploy = { atMs: 1000 })).field).toBe("deploy.restartAfterMs");
  expect(errorFor((s) => (s.deploy = { atMs: 1000, restartAfterMs: 5, version: 3 })).message).toContain("unknown field deploy.version; deploy has: atMs, restartAfterMs");
});

/** The ScenarioError that parsing `change(example())` throws. */
function errorFor(change: (scenario: Record<string, any>) => void): ScenarioError {
  const scenario = example();
  change(scenario);
  return caught(() => parseScenario(scenario, "test.json"));
}

function caught(fn: () => unknown): ScenarioError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    expect((err as ScenarioError).exitCode).toBe(2);
    return err as ScenarioError;
  }
  throw new Error("expected a ScenarioError, but the scenario parsed");
}

/** When a fault with a duration is in force; undefined for crashes and skews (one-off events). */
function faultSpan(fault: Fault): [number, number] | undefined {
  switch (fault.kind) {
    case "network.blip":
      return [fault.atMs, fault.atMs + fault.forMs];
    case "db.restart":
      return [fault.atMs, fault.atMs + fault.downForMs];
    case "db.ambiguousCommit":
    case "db.poolExhaustion":
    case "service.outage":
      return fault.windowMs;
    default:
      return undefined;
  }
}

async function shippedFiles(): Promise<string[]> {
  return (await readdir(SCENARIOS_DIR)).filter((file) => file.endsWith(".json")).sort().map((file) => join(SCENARIOS_DIR, file));
}

describe("shipped scenarios", () => {
  it("includes the scenarios the issue asks for", async () => {
    const names = (await shippedFiles()).map((file) => basename(file, ".json"));
    expect(names).toEqual(expect.arrayContaining(["network-blip", "worker-crash", "service-outage", "db-restart", "ambiguous-commit", "clock-skew", "chaos"]));
  });

  it("all parse, are named after their file, explain themselves, and fit the CI budget", async () => {
    for (const file of await shippedFiles()) {
      const scenario = await loadScenarioFile(file);
      expect(scenario.name, file).toBe(basename(file, ".json"));
      expect(scenario.description.length, file).toBeGreaterThan(80);
      expect(scenario.workload.workflows, file).toBeLessThanOrEqual(200);
      expect(scenario.durationMs, file).toBeGreaterThanOrEqual(60_000);
      expect(scenario.durationMs, file).toBeLessThanOrEqual(240_000);
      // A file that relied on defaults would still parse; shipped files spell everything out as examples.
      const raw = JSON.parse(await readFile(file, "utf8"));
      expect(raw.workload.mix, file).toBeDefined();
      expect(raw.seed, file).toBeDefined();
    }
  });

  it("together use every fault kind, and worker-crash crashes at every crash point with a restart", async () => {
    const all = await Promise.all((await shippedFiles()).map((file) => loadScenarioFile(file)));
    expect(new Set(all.flatMap((s) => s.faults.map((f) => f.kind)))).toEqual(new Set(FAULT_KINDS));
    const crashes = all.find((s) => s.name === "worker-crash")!.faults.filter((f) => f.kind === "worker.crash");
    expect(new Set(crashes.map((f) => f.point))).toEqual(new Set(CRASH_POINTS));
    for (const crash of crashes) expect(crash.restartAfterMs).toBeGreaterThanOrEqual(0);
  });

  it("never overlap two faults of one kind on one target (overlaps do not add up: see scenarios/README.md)", async () => {
    for (const file of await shippedFiles()) {
      const scenario = await loadScenarioFile(file);
      const spans = new Map<string, Array<[number, number]>>();
      for (const fault of scenario.faults) {
        const span = faultSpan(fault);
        if (span === undefined) continue;
        const target = `${fault.kind} ${"worker" in fault ? fault.worker : "service" in fault ? fault.service : "database"}`;
        for (const [from, to] of spans.get(target) ?? []) {
          expect(span[0] > to || span[1] < from, `${file}: ${target} [${span}] overlaps [${from},${to}]`).toBe(true);
        }
        spans.set(target, [...(spans.get(target) ?? []), span]);
      }
    }
  });

  it("chaos has several faults of every kind, every mode, point, service and behavior, and swarm faults", async () => {
    const chaos = await loadScenarioFile(join(SCENARIOS_DIR, "chaos.json"));
    for (const kind of FAULT_KINDS) expect(chaos.faults.filter((f) => f.kind === kind).length, kind).toBeGreaterThanOrEqual(2);
    const of = <K extends Fault["kind"]>(kind: K) => chaos.faults.filter((f): f is Extract<Fault, { kind: K }> => f.kind === kind);
    expect(new Set(of("network.blip").map((f) => f.mode))).toEqual(new Set(NETWORK_MODES));
    expect(new Set(of("worker.crash").map((f) => f.point))).toEqual(new Set(CRASH_POINTS));
    expect(new Set(of("service.outage").map((f) => f.service))).toEqual(new Set(SERVICE_NAMES));
    expect(new Set(of("service.outage").map((f) => f.behavior))).toEqual(new Set(SERVICE_BEHAVIORS));
    expect(chaos.swarm?.faults).toBeGreaterThan(0);
    expect(chaos.swarm?.kinds).toEqual(FAULT_KINDS);
  });
});

describe("parseScenario", () => {
  it("parses the issue's example into a typed scenario, applying defaults", () => {
    const scenario = parseScenario(example(), "example.json");
    expect(scenario).toEqual(example());
    expect(scenario.swarm).toBeUndefined();
  });

  it("returns a fresh value that, written out, parses to the same scenario", () => {
    const input = example();
    const scenario = parseScenario(input, "example.json");
    (scenario.faults[3] as { windowMs: number[] }).windowMs[0] = 0;
    scenario.workload.mix.linear = 99;
    expect(input).toEqual(example());
    expect(parseScenario(JSON.parse(JSON.stringify(scenario)), "written.json")).toEqual(scenario);
  });

  it("fills in defaults: description, seed, faults, mix, nth, swarm kinds", () => {
    const minimal = {
      name: "minimal",
      durationMs: 60000,
      workers: 1,
      workload: { workflows: 10, startsPerSecond: 1 },
      liveness: { healAtMs: 30000, withinMs: 30000 },
    };
    const scenario: Scenario = parseScenario(minimal, "minimal.json");
    expect(scenario).toEqual({
      ...minimal,
      description: "",
      seed: SEED_DEFAULT,
      faults: [],
      workload: { ...minimal.workload, mix: Object.fromEntries(WORKLOAD_SHAPES.map((shape) => [shape, 1])) },
    });
    const crash = parseScenario({ ...minimal, faults: [{ kind: "worker.crash", worker: "worker-1", point: "task.afterClaim", restartAfterMs: 0 }] }, "x");
    expect(crash.faults[0]).toEqual({ kind: "worker.crash", worker: "worker-1", point: "task.afterClaim", nth: 1, restartAfterMs: 0 });
    expect(parseScenario({ ...minimal, swarm: { faults: 5 } }, "x").swarm).toEqual({ faults: 5, kinds: FAULT_KINDS });
    expect(parseScenario({ ...minimal, swarm: { faults: 5, kinds: ["db.restart"] } }, "x").swarm).toEqual({ faults: 5, kinds: ["db.restart"] });
  });

  it("accepts the edges of every range", () => {
    const scenario = parseScenario(
      {
        ...example(),
        seed: Number.MAX_SAFE_INTEGER,
        workers: WORKERS_MAX,
        faults: [
          { kind: "network.blip", worker: "worker-32", atMs: 0, forMs: 0, mode: "delay", latencyMs: 1 },
          { kind: "db.ambiguousCommit", probability: 1, windowMs: [89999, 120000] },
          { kind: "db.poolExhaustion", worker: "worker-1", windowMs: [0, 0], available: 100 },
          { kind: "clock.skew", worker: "worker-1", atMs: 89999, offsetMs: -86_400_000 },
        ],
        liveness: { healAtMs: 90000, withinMs: 30000 },
      },
      "edges.json",
    );
    expect(scenario.faults).toHaveLength(4);
  });
});

describe("scenario errors name the field, the value and what is expected", () => {
  it("unknown fault kind: lists the known kinds, and suggests a near miss", () => {
    const unknown = errorFor((s) => (s.faults[2].kind = "disk.full"));
    expect(unknown.field).toBe("faults[2].kind");
    expect(unknown.message).toContain('unknown fault kind "disk.full"');
    expect(unknown.message).toContain(FAULT_KINDS.join(", "));

    const nearMiss = errorFor((s) => (s.faults[0].kind = "network.blp"));
    expect(nearMiss.message).toContain("did you mean network.blip?");
  });

  it("misspelt field: names it and suggests the closest known name", () => {
    const fault = errorFor((s) => {
      s.faults[0].forMS = s.faults[0].forMs;
      delete s.faults[0].forMs;
    });
    expect(fault.field).toBe("faults[0].forMS");
    expect(fault.message).toBe("test.json: unknown field faults[0].forMS; did you mean forMs?");

    expect(errorFor((s) => (s.wokers = 3)).message).toContain("unknown field wokers; did you mean workers?");
    expect(errorFor((s) => (s.workload.mix.lineer = 1)).message).toContain("unknown field workload.mix.lineer; did you mean linear?");
    expect(errorFor((s) => (s.faults[0] = { kidn: "db.restart", atMs: 1, downForMs: 1 })).message).toContain("did you mean kind?");
    expect(errorFor((s) => (s.faults[0].mode = "dorp")).message).toContain("did you mean drop?");
  });

  it("unknown field with no near miss: lists the fields that belong there", () => {
    const top = errorFor((s) => (s.colour = "red"));
    expect(top.field).toBe("colour");
    expect(top.message).toContain("a scenario has: name, description, seed, durationMs, workers, workload, faults, swarm, deploy, liveness");

    // A field of another fault kind is unknown for this one.
    const foreign = errorFor((s) => (s.faults[2].latencyMs = 100));
    expect(foreign.field).toBe("faults[2].latencyMs");
    expect(foreign.message).toContain("a db.restart fault has: kind, atMs, downForMs");
  });

  it("missing required field", () => {
    const missing = errorFor((s) => delete s.durationMs);
    expect(missing.field).toBe("durationMs");
    expect(missing.message).toContain("missing field durationMs: expected a whole number from 1 to 86400000");
    expect(errorFor((s) => delete s.faults[1].restartAfterMs).field).toBe("faults[1].restartAfterMs");
    expect(errorFor((s) => delete s.faults[0].kind).message).toContain("missing field faults[0].kind");
  });

  it.each([
    ["workers", (s: any) => (s.workers = 33), "workers", "from 1 to 32, got 33"],
    ["durationMs", (s: any) => (s.durationMs = 0), "durationMs", "from 1 to 86400000, got 0"],
    ["workflows", (s: any) => (s.workload.workflows = 100_001), "workload.workflows", "from 1 to 100000"],
    ["startsPerSecond", (s: any) => (s.workload.startsPerSecond = 0), "workload.startsPerSecond", "above 0 and at most 10000, got 0"],
    ["probability", (s: any) => (s.faults[3].probability = 1.5), "faults[3].probability", "from 0 to 1, got 1.5"],
    ["nth", (s: any) => (s.faults[1].nth = 0), "faults[1].nth", "from 1 to 1000000, got 0"],
    ["fractional nth", (s: any) => (s.faults[1].nth = 1.5), "faults[1].nth", "a whole number"],
    ["offsetMs", (s: any) => (s.faults[5].offsetMs = 2 * 86_400_000), "faults[5].offsetMs", "from -86400000 to 86400000"],
    ["negative forMs", (s: any) => (s.faults[0].forMs = -1), "faults[0].forMs", "from 0 to 86400000, got -1"],
    ["atMs past the run", (s: any) => (s.faults[2].atMs = 120_001), "faults[2].atMs", "from 0 to 120000 (within durationMs 120000)"],
    ["window past the run", (s: any) => (s.faults[3].windowMs = [20000, 130000]), "faults[3].windowMs[1]", "from 0 to 120000"],
    ["seed", (s: any) => (s.seed = -1), "seed", "from 0 to 9007199254740991"],
    ["unsafe seed", (s: any) => (s.seed = 2 ** 53), "seed", "got 9007199254740992"],
    ["mix weight", (s: any) => (s.workload.mix.saga = -0.1), "workload.mix.saga", "from 0 to 1000000"],
    ["available", (s: any) => (s.faults = [{ kind: "db.poolExhaustion", worker: "worker-1", windowMs: [0, 1], available: 101 }]), "faults[0].available", "from 0 to 100"],
    ["swarm faults", (s: any) => (s.swarm = { faults: 1001 }), "swarm.faults", "from 0 to 1000"],
    ["healAtMs", (s: any) => (s.liveness.healAtMs = 120000), "liveness.healAtMs", "from 0 to 119999 (before durationMs 120000)"],
    ["NaN", (s: any) => (s.workload.startsPerSecond = NaN), "workload.startsPerSecond", "got NaN"],
    ["Infinity", (s: any) => (s.workload.startsPerSecond = Infinity), "workload.startsPerSecond", "got Infinity"],
  ])("out-of-range number: %s", (_label, change, field, text) => {
    const error = errorFor(change);
    expect(error.field).toBe(field);
    expect(error.message).toContain(`invalid ${field}`);
    expect(error.message).toContain(text);
  });

  it.each([
    ["number as a string", (s: any) => (s.workers = "3"), "workers", 'got "3"'],
    ["faults not a list", (s: any) => (s.faults = { kind: "db.restart" }), "faults", "expected a list of faults"],
    ["workload null", (s: any) => (s.workload = null), "workload", "got null"],
    ["fault not an object", (s: any) => (s.faults[1] = "crash"), "faults[1]", "expected a fault object"],
    ["window not a pair", (s: any) => (s.faults[3].windowMs = [1, 2, 3]), "faults[3].windowMs", "expected [fromMs, toMs]"],
    ["kind not a string", (s: any) => (s.faults[0].kind = 7), "faults[0].kind", "got 7"],
    ["description", (s: any) => (s.description = ["a"]), "description", "expected a string"],
    ["name", (s: any) => (s.name = "Network Blip"), "name", "1-100 characters from a-z 0-9 -"],
    ["empty name", (s: any) => (s.name = ""), "name", 'got ""'],
    ["mode", (s: any) => (s.faults[0].mode = "jitter"), "faults[0].mode", "known: delay, drop, reset"],
    ["point", (s: any) => (s.faults[1].point = "activity.midEffect"), "faults[1].point", CRASH_POINTS.join(", ")],
    ["service", (s: any) => (s.faults[4].service = "email"), "faults[4].service", SERVICE_NAMES.join(", ")],
    ["behavior", (s: any) => (s.faults[4].behavior = "hang"), "faults[4].behavior", "refuse, timeout, fail, succeedThenTimeout"],
    ["mix shape", (s: any) => (s.workload.mix.batch = 1), "workload.mix.batch", "linear, saga, fanout, timer, signal"],
    ["mix all zero", (s: any) => (s.workload.mix = { linear: 0, saga: 0 }), "workload.mix", "every weight is 0"],
    ["swarm kinds", (s: any) => (s.swarm = { faults: 1, kinds: [] }), "swarm.kinds", "a non-empty list of fault kinds"],
    ["swarm kind", (s: any) => (s.swarm = { faults: 1, kinds: ["db.restart", "disk.full"] }), "swarm.kinds[1]", 'unknown fault kind "disk.full"'],
    ["swarm kind twice", (s: any) => (s.swarm = { faults: 1, kinds: ["db.restart", "db.restart"] }), "swarm.kinds[1]", "listed twice"],
  ])("wrong type or unknown name: %s", (_label, change, field, text) => {
    const error = errorFor(change);
    expect(error.field).toBe(field);
    expect(error.message).toContain(text);
  });

  it("the whole document must be an object", () => {
    for (const value of [[], null, "scenario", 1]) {
      const error = caught(() => parseScenario(value, "x.json"));
      expect(error.field).toBe("$");
      expect(error.message).toContain("expected a scenario object");
    }
  });

  it("unknown worker: names the workers the scenario has", () => {
    const error = errorFor((s) => (s.faults[5].worker = "worker-4"));
    expect(error.field).toBe("faults[5].worker");
    expect(error.message).toContain('unknown worker "worker-4"');
    expect(error.message).toContain("worker-1 to worker-3");
    expect(errorFor((s) => (s.faults[0].worker = "worker-0")).field).toBe("faults[0].worker");
  });

  it("latencyMs: required with mode delay, refused otherwise", () => {
    const missing = errorFor((s) => (s.faults[0].mode = "delay"));
    expect(missing.field).toBe("faults[0].latencyMs");
    expect(missing.message).toContain('missing field faults[0].latencyMs: expected a whole number from 1 to 300000 (required when mode is "delay")');

    const extra = errorFor((s) => (s.faults[0].latencyMs = 250));
    expect(extra.field).toBe("faults[0].latencyMs");
    expect(extra.message).toContain('latencyMs is only for mode "delay"');
  });

  it("window out of order", () => {
    const error = errorFor((s) => (s.faults[4].windowMs = [50000, 30000]));
    expect(error.field).toBe("faults[4].windowMs");
    expect(error.message).toContain("the window ends before it starts");
    expect(error.message).toContain("got [50000,30000]");
  });

  it("fault at or after healAtMs: it would be healed the moment it began", () => {
    const at = errorFor((s) => (s.faults[2].atMs = 90000));
    expect(at.field).toBe("faults[2].atMs");
    expect(at.message).toContain("this fault starts at 90000 ms, at or after liveness.healAtMs (90000)");

    const window = errorFor((s) => (s.faults[3].windowMs = [95000, 100000]));
    expect(window.field).toBe("faults[3].windowMs");
    expect(window.message).toContain("healed the moment it began");

    const crash = errorFor((s) => (s.faults[1].atMs = 100000));
    expect(crash.field).toBe("faults[1].atMs");
  });

  it("the liveness phase must fit in the run, so the issue's example as printed is refused", () => {
    const error = errorFor((s) => (s.liveness = { healAtMs: 100000, withinMs: 60000 }));
    expect(error.field).toBe("liveness.withinMs");
    expect(error.message).toContain("from 1 to 20000 (healAtMs + withinMs must not pass durationMs 120000), got 60000");
  });

  it("invalid JSON: field $ and the parser's message, with line and column", () => {
    const error = caught(() => parseScenarioText('{\n  "name": "x",\n}', "broken.json"));
    expect(error.field).toBe("$");
    expect(error.message).toMatch(/^broken\.json: invalid JSON: .+ \(line 3, column 1\)$/);
    expect(caught(() => parseScenarioText("", "empty.json")).message).toContain("empty.json: invalid JSON");
  });

  it("parseScenarioText parses what parseScenario does, byte-order mark or not", () => {
    const text = JSON.stringify(example());
    expect(parseScenarioText(`\uFEFF${text}`, "bom.json")).toEqual(parseScenario(example(), "x"));
  });

  it("missing file or a directory: names the path", async () => {
    const path = join(SCENARIOS_DIR, "no-such-scenario.json");
    const missing = await loadScenarioFile(path).catch((err: unknown) => err);
    expect(missing).toBeInstanceOf(ScenarioError);
    expect(missing).toMatchObject({ field: "$", exitCode: 2, message: `${path}: scenario file not found` });
    await expect(loadScenarioFile(SCENARIOS_DIR)).rejects.toThrow(`${SCENARIOS_DIR}: is a directory, not a scenario file`);
  });
});

describe("closestName", () => {
  it("suggests near misses only", () => {
    expect(closestName("forMS", ["atMs", "forMs"])).toBe("forMs");
    expect(closestName("wrokers", ["workers", "workload"])).toBe("workers");
    expect(closestName("colour", ["name", "seed", "workers"])).toBeUndefined();
    expect(closestName("x".repeat(10_000), ["name"])).toBeUndefined();
  });
});
