-- materialized: table
-- unique_key: [source]
-- description: "Per source object: rows kept in silver, rows quarantined (by kind of failure) and the quarantined share in percent."
-- tests:
--   source: [not_null, unique]

-- Rows kept come from silver's load log, not from scanning silver.orders: with loads in
-- replace_source mode, a source's latest load holds exactly its current rows, so this model
-- costs one row per load whatever the size of silver.
WITH latest AS (
  SELECT source, max(load_seq) AS load_seq
  FROM silver._sluice_loads
  WHERE table_name = 'orders'
  GROUP BY source
), kept AS (
  SELECT l.source, l.rows_inserted AS rows_kept
  FROM silver._sluice_loads AS l
  JOIN latest ON latest.source = l.source AND latest.load_seq = l.load_seq
  WHERE l.table_name = 'orders'
), quarantined AS (
  SELECT source,
         count(*) AS rows_quarantined,
         sum(CASE WHEN rule = 'parse' THEN 1 ELSE 0 END) AS unreadable,
         sum(CASE WHEN rule = 'cast' THEN 1 ELSE 0 END) AS bad_values,
         sum(CASE WHEN rule NOT IN ('parse', 'cast') THEN 1 ELSE 0 END) AS failed_rules
  FROM quarantine.orders
  GROUP BY source
), sources AS (
  SELECT source FROM kept UNION SELECT source FROM quarantined
)
SELECT s.source,
       coalesce(k.rows_kept, 0) AS rows_kept,
       coalesce(q.rows_quarantined, 0) AS rows_quarantined,
       coalesce(q.unreadable, 0) AS unreadable,
       coalesce(q.bad_values, 0) AS bad_values,
       coalesce(q.failed_rules, 0) AS failed_rules,
       round(100.0 * coalesce(q.rows_quarantined, 0)
             / (coalesce(k.rows_kept, 0) + coalesce(q.rows_quarantined, 0)), 2) AS quarantined_pct
FROM sources AS s
LEFT JOIN kept AS k ON k.source = s.source
LEFT JOIN quarantined AS q ON q.source = s.source
