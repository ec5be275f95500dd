# The statistics `perftrack report` computes, in jq: per operation count,
# successes, avg, exact nearest-rank p50/p95/p99, min, max within [$since, $until).
# Run with: jq -s --arg since S --arg until U -f jq_report.jq FILE
def rank($q): (length * $q | ceil) - 1 | if . < 0 then 0 else . end;
map(select(.timestamp >= $since and .timestamp < $until))
| group_by(.operation_type)
| map((map(.duration_ms) | sort) as $d
      | { operation: .[0].operation_type, count: length,
          successes: (map(select(.success)) | length),
          avg_ms: (($d | add) / length),
          p50_ms: $d[$d | rank(0.5)], p95_ms: $d[$d | rank(0.95)], p99_ms: $d[$d | rank(0.99)],
          min_ms: $d[0], max_ms: $d[-1] })
| sort_by(-.count)
| { total: (map(.count) | add), operations: . }
