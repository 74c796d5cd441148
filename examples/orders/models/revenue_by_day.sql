-- materialized: view
-- tests:
--   order_date: [unique]
SELECT order_date, sum(orders) AS orders, sum(revenue) AS revenue
FROM gold.daily_revenue
GROUP BY order_date
