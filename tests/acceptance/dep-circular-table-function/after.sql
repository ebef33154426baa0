CREATE TABLE counters (id int PRIMARY KEY, n int);
CREATE FUNCTION next_n() RETURNS int LANGUAGE sql AS 'SELECT coalesce(max(n), 0) + 1 FROM counters';
ALTER TABLE counters ALTER COLUMN n SET DEFAULT next_n();
