CREATE FUNCTION twice(i integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT i + i';
REVOKE EXECUTE ON FUNCTION twice(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION twice(integer) TO model_acc_reader;
