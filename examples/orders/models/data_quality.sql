-- materialized: table
-- unique_key: [source]
-- description: "Per source object: rows kept in silver, rows quarantined (by kind of failure) and the quarantined share in percent."
-- tests:
--   source: [not_null, unique]
WITH kept AS (
  SELECT _sluice_source AS source, count(*) AS rows_kept
  FROM silver.orders
  GROUP BY _sluice_source
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
