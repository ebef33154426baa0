CREATE TABLE scores (player text, points integer);
CREATE VIEW ranking AS SELECT player, points, rank() OVER (ORDER BY points DESC) AS place, sum(points) OVER w AS running FROM scores WINDOW w AS (ORDER BY points ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW);
