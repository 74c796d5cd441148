-- materialized: incremental
-- partition_by: order_date
-- unique_key: [order_date, country]
-- description: Paid and pending revenue per day and country, rebuilt only for the days loads touch.
-- tests:
--   order_date: [not_null]
--   country: [not_null]
SELECT o.order_date, o.country, count(*) AS orders, sum(o.quantity * o.unit_price) AS revenue
FROM silver.orders AS o
WHERE o.status IN ('paid', 'pending')
GROUP BY o.order_date, o.country
