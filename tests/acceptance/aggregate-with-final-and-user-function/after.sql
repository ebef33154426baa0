CREATE FUNCTION avg_step(state numeric[], x numeric) RETURNS numeric[] LANGUAGE sql IMMUTABLE AS 'SELECT ARRAY[state[1] + x, state[2] + 1]';
CREATE FUNCTION avg_final(state numeric[]) RETURNS numeric LANGUAGE sql IMMUTABLE AS 'SELECT CASE WHEN state[2] = 0 THEN NULL ELSE state[1] / state[2] END';
CREATE AGGREGATE my_avg(numeric) (SFUNC = avg_step, STYPE = numeric[], FINALFUNC = avg_final, INITCOND = '{0,0}', PARALLEL = SAFE);
CREATE TABLE t (x numeric);
CREATE VIEW v AS SELECT my_avg(x) AS a FROM t;
