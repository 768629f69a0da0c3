-- Regions with their populations, for rates.
SELECT region, SUM(population) AS population
FROM practices
GROUP BY region;
