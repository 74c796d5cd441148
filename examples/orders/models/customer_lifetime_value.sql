-- materialized: table
-- unique_key: [customer_id]
-- description: "Per customer: orders, first and last order date, and lifetime value (paid orders only; refunded and cancelled ones do not count)."
-- tests:
--   customer_id: [not_null, unique]
--   lifetime_value: [not_null]
SELECT o.customer_id,
       count(*) AS orders,
       min(o.order_date) AS first_order_date,
       max(o.order_date) AS last_order_date,
       sum(o.quantity * o.unit_price) AS lifetime_value
FROM silver.orders AS o
WHERE o.status = 'paid' AND o.customer_id IS NOT NULL
GROUP BY o.customer_id
