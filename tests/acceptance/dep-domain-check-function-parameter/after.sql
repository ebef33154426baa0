CREATE FUNCTION z_valid(x text) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT length(x) < 10';
CREATE DOMAIN code AS text CHECK (z_valid(VALUE));
CREATE FUNCTION a_upper(c code) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT upper(c)';
