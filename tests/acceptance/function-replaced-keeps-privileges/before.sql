CREATE FUNCTION twice(i integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT i * 2';
REVOKE EXECUTE ON FUNCTION twice(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION twice(integer) TO model_acc_reader;
