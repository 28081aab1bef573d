/**
 * The SQL of history partition maintenance and retention
 * (history-partitions.ts), as named, pure builders like queries.ts. Values
 * are parameters wherever PostgreSQL takes them; DDL takes none, so the only
 * text spliced into it is the schema (schemaIdentifier), partition names
 * (checked to be `history_` and digits) and run id bounds (checked to be
 * UUIDs), each checked here where it enters the text.
 */
import { assert } from "../assert.ts";
import type { Sql } from "../db/driver.ts";
import { schemaIdentifier } from "../names.ts";

/** The names history-partitions.ts gives windows (history_20260101_000000[_123]), and the two the migration made. */
const PARTITION_NAME = /^history_(\d{8}_\d{6}(_\d{3})?|migrated)$/;
const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class PartitionQueries {
  readonly s: string;

  constructor(readonly schema: string) {
    this.s = schemaIdentifier(schema);
  }

  private q(name: string, text: string, values: readonly unknown[]): Sql {
    return { name: `rt_${this.schema}_${name}`, text: `/* ${name} */ ${text}`, values };
  }

  /** A window partition's name as an identifier (`"schema".history_...`). */
  private table(name: string): string {
    assert(PARTITION_NAME.test(name), `not a history partition name: ${JSON.stringify(name)}`);
    return `${this.s}.${name}`;
  }

  /** The partitions of history and their bounds, as the catalog says (pg_get_expr: `FOR VALUES FROM (...) TO (...)` or `DEFAULT`). */
  listPartitions(): Sql {
    return this.q(
      "listHistoryPartitions",
      `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = to_regclass($1)`,
      [`${this.s}.history`],
    );
  }

  /** Serialise partition DDL on this schema (creation and retention): released at commit. */
  lockPartitionDdl(): Sql {
    return this.q("lockHistoryPartitionDdl", "SELECT pg_advisory_xact_lock(hashtext($1))", [`ratchet:history-partitions:${this.schema}`]);
  }

  /** Give up waiting for a lock after `ms` in this transaction (SET LOCAL takes no parameter; set_config does). */
  lockTimeout(ms: number): Sql {
    assert(Number.isSafeInteger(ms) && ms > 0, `lock timeout ${ms}`);
    return this.q("setLockTimeout", "SELECT set_config('lock_timeout', $1, true)", [`${ms}ms`]);
  }

  /** The lowest run id at or above $1 that the default partition holds rows of (its primary key: one probe). */
  firstDefaultRunId(fromRunId: string): Sql {
    return this.q("firstDefaultHistoryRunId", `SELECT run_id FROM ${this.s}.history_default WHERE run_id >= $1::uuid ORDER BY run_id LIMIT 1`, [fromRunId]);
  }

  /**
   * Hold off every write to history (reads go on) until this transaction ends. Taken before a
   * window is created: ATTACH PARTITION alone lets inserts continue, and an insert whose statement
   * began before the attach routes by the partition list it saw — into the default partition,
   * whose constraint the attach has just narrowed, and fails ("violates partition constraint"); a
   * row that lands in the default between the move and the attach fails the attach instead. With
   * this lock, a write waits, then routes by the new list.
   */
  lockHistoryWrites(): Sql {
    return { text: `/* lockHistoryWrites */ LOCK TABLE ${this.s}.history IN SHARE ROW EXCLUSIVE MODE`, values: [] };
  }

  /** A new table shaped like history, to fill and then attach as a partition. */
  createPartitionTable(name: string): Sql {
    return { text: `/* createHistoryPartition */ CREATE TABLE ${this.table(name)} (LIKE ${this.s}.history)`, values: [] };
  }

  /** Move the default partition's rows in [$1, $2) into the new table; returns how many moved. */
  moveFromDefault(name: string, fromRunId: string, toRunId: string): Sql {
    return {
      text: `/* moveHistoryFromDefault */ WITH moved AS (
               DELETE FROM ${this.s}.history_default WHERE run_id >= $1::uuid AND run_id < $2::uuid
               RETURNING run_id, event_id, type, at_ms, data
             ), kept AS (
               INSERT INTO ${this.table(name)} (run_id, event_id, type, at_ms, data) SELECT * FROM moved RETURNING 1
             )
             SELECT count(*)::integer AS n FROM kept`,
      values: [fromRunId, toRunId],
    };
  }

  /** Attach a filled table as the partition of run ids [from, to): builds its primary key, checks its rows and the default's. */
  attachPartition(name: string, fromRunId: string, toRunId: string): Sql {
    return { text: `/* attachHistoryPartition */ ALTER TABLE ${this.s}.history ATTACH PARTITION ${this.table(name)} FOR VALUES FROM (${runIdLiteral(fromRunId)}) TO (${runIdLiteral(toRunId)})`, values: [] };
  }

  /**
   * The runs of a window, and what holds it back from retention: runs still
   * running, runs closed at or after the cutoff ($3), and tasks still
   * pending for its runs (a parent's close policy not yet applied, say).
   * Only tasks of runs count: a schedule's task carries a run id of its own
   * that no run has, and it must not hold its window for the schedule's life.
   */
  windowRuns(fromRunId: string, toRunId: string, cutoffMs: number): Sql {
    return this.q(
      "historyWindowRuns",
      `SELECT count(*)::integer AS runs,
              (count(*) FILTER (WHERE status = 'running'))::integer AS running,
              (count(*) FILTER (WHERE status <> 'running' AND closed_at_ms >= $3::bigint))::integer AS recently_closed,
              (SELECT count(*) FROM ${this.s}.tasks t
               WHERE t.run_id >= $1::uuid AND t.run_id < $2::uuid AND EXISTS (SELECT 1 FROM ${this.s}.runs r WHERE r.run_id = t.run_id))::integer AS pending_tasks
       FROM ${this.s}.runs WHERE run_id >= $1::uuid AND run_id < $2::uuid`,
      [fromRunId, toRunId, cutoffMs],
    );
  }

  /** Wait for every transaction using the partition to end, and keep new ones out until commit. */
  lockPartition(name: string): Sql {
    return { text: `/* lockHistoryPartition */ LOCK TABLE ${this.table(name)} IN ACCESS EXCLUSIVE MODE`, values: [] };
  }

  /** Delete the runs of a window (retention: with its partition, in one transaction); returns how many. */
  deleteWindowRuns(fromRunId: string, toRunId: string): Sql {
    return this.q(
      "deleteHistoryWindowRuns",
      `WITH gone AS (DELETE FROM ${this.s}.runs WHERE run_id >= $1::uuid AND run_id < $2::uuid RETURNING 1) SELECT count(*)::integer AS n FROM gone`,
      [fromRunId, toRunId],
    );
  }

  dropPartition(name: string): Sql {
    return { text: `/* dropHistoryPartition */ DROP TABLE ${this.table(name)}`, values: [] };
  }

  /** History rows no window holds (retention never drops them). */
  countDefaultRows(): Sql {
    return this.q("countDefaultHistoryRows", `SELECT count(*)::integer AS n FROM ${this.s}.history_default`, []);
  }
}

function runIdLiteral(runId: string): string {
  assert(RUN_ID.test(runId), `not a run id: ${JSON.stringify(runId)}`);
  return `'${runId}'`;
}
