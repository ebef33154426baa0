-- The function names its table with its schema: from PostgreSQL 17 a materialized view is built with search_path = pg_catalog, pg_temp.
CREATE TABLE z_t (a int);
CREATE FUNCTION m_rows() RETURNS SETOF z_t LANGUAGE sql AS 'SELECT * FROM public.z_t';
CREATE VIEW a_v AS SELECT a FROM m_rows();
CREATE MATERIALIZED VIEW a_mv AS SELECT count(*) AS n FROM a_v;
