CREATE FUNCTION z_inner(x int) RETURNS int LANGUAGE sql AS 'SELECT x * 2';
CREATE FUNCTION a_outer(x int) RETURNS int LANGUAGE sql AS 'SELECT z_inner(x) + 1';
