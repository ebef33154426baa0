-- Views and materialized views of the managed schemas: the query, the output columns, and the
-- relations the query reads (through its rewrite rule's dependencies).
SELECT c.oid, n.nspname::text AS schema, c.relname::text AS name,
       c.relkind = 'm' AS materialized,
       pg_get_viewdef(c.oid, true) AS definition,
       ARRAY(SELECT a.attname::text FROM pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum)
           AS column_names,
       ARRAY(SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum)
           AS column_types,
       coalesce(c.reloptions, '{}') AS options,
       c.relispopulated AS populated,
       -- Privileges, as tables.sql reads a table's.
       {relation_grants} AS grants,
       -- Column privileges, `ordinal|role:PRIV,PRIV*`, the ordinal among column_names.
       ARRAY(SELECT k.ordinal || '|'
                    || CASE WHEN g.grantee = 0 THEN 'public' ELSE pg_get_userbyid(g.grantee)::text END
                    || ':' || string_agg(g.privilege_type || CASE WHEN g.is_grantable THEN '*' ELSE '' END,
                                         ',' ORDER BY g.privilege_type)
             FROM (SELECT a.attacl, row_number() OVER (ORDER BY a.attnum) AS ordinal
                   FROM pg_attribute a
                   WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) k,
                  aclexplode(k.attacl) g
             WHERE k.attacl IS NOT NULL AND g.grantee <> c.relowner
             GROUP BY k.ordinal, g.grantee
             ORDER BY k.ordinal, 1) AS column_grants,
       ARRAY(SELECT DISTINCT rn.nspname::text || '.' || rc.relname::text
             FROM pg_rewrite r
             JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
                             AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> c.oid
             JOIN pg_class rc ON rc.oid = d.refobjid
             JOIN pg_namespace rn ON rn.oid = rc.relnamespace
             WHERE r.ev_class = c.oid) AS depends_on
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('v', 'm') AND n.nspname = ANY($1)
  AND NOT EXISTS (
      SELECT 1 FROM pg_depend d
      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 2, 3
