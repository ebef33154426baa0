CREATE FUNCTION g(t text) RETURNS text LANGUAGE plpgsql AS $body$
BEGIN
  RETURN t || '$$ -- ; ' || $x$quoted$x$;
END
$body$;
