// The statistics `perftrack report` computes, as one DuckDB query over a JSONL file:
// per operation count, successes, avg, exact p50/p95/p99 (quantile_disc is the
// nearest-rank definition), min, max, within [since, until).
//   node duckdb_report.mjs FILE SINCE UNTIL
import { DuckDBInstance } from '@duckdb/node-api';

const [file, since, until] = process.argv.slice(2);
const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const sql = `
  SELECT operation_type AS operation, count(*) AS count,
         count(*) FILTER (WHERE success) AS successes,
         avg(duration_ms) AS avg_ms,
         quantile_disc(duration_ms, 0.5) AS p50_ms,
         quantile_disc(duration_ms, 0.95) AS p95_ms,
         quantile_disc(duration_ms, 0.99) AS p99_ms,
         min(duration_ms) AS min_ms, max(duration_ms) AS max_ms
  FROM read_json('${file}', format = 'newline_delimited',
       columns = {timestamp: 'VARCHAR', operation_type: 'VARCHAR',
                  duration_ms: 'DOUBLE', success: 'BOOLEAN'})
  WHERE timestamp >= '${since}' AND timestamp < '${until}'
  GROUP BY operation_type ORDER BY count DESC, operation`;
const reader = await connection.runAndReadAll(sql);
const rows = reader.getRowObjectsJson();
console.log(JSON.stringify({ total: rows.reduce((n, r) => n + Number(r.count), 0), operations: rows }));
