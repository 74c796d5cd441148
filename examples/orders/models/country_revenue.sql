-- Revenue per country over all days (a table: rebuilt in full from gold.daily_revenue).
SELECT country, sum(orders) AS orders, sum(revenue) AS revenue
FROM gold.daily_revenue
GROUP BY country
