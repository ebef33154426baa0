-- Extended statistics objects (CREATE STATISTICS) in the managed schemas, on tables of the
-- managed schemas. The kinds are the ones asked for ('e', which PostgreSQL adds for
-- expressions, left out); the target is NULL at the default (-1 before PostgreSQL 17).
SELECT n.nspname::text AS schema, s.stxname::text AS name,
       tn.nspname::text AS table_schema, c.relname::text AS table_name,
       ARRAY(SELECT CASE k WHEN 'd' THEN 'ndistinct' WHEN 'f' THEN 'dependencies'
                           ELSE 'mcv' END
             FROM unnest(s.stxkind) AS k
             WHERE k <> 'e'
             ORDER BY array_position(ARRAY['d', 'f', 'm']::"char"[], k)) AS kinds,
       pg_get_statisticsobjdef_columns(s.oid) AS on_columns,
       NULLIF(s.stxstattarget::int, -1) AS target,
       obj_description(s.oid, 'pg_statistic_ext') AS comment
FROM pg_statistic_ext s
JOIN pg_namespace n ON n.oid = s.stxnamespace
JOIN pg_class c ON c.oid = s.stxrelid
JOIN pg_namespace tn ON tn.oid = c.relnamespace
WHERE n.nspname = ANY($1) AND tn.nspname = ANY($1)
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_statistic_ext'::regclass
                  AND d.objid = s.oid AND d.deptype = 'e')
ORDER BY 1, 2
