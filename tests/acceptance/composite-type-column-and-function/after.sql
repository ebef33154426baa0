CREATE TYPE pair AS (x int, y int);
CREATE TABLE t (p pair);
CREATE FUNCTION sum_pair(p pair) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT p.x + p.y';
CREATE INDEX t_sum ON t (sum_pair(p));
