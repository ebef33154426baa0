-- Every column of those tables, with default or generation expression, identity and its
-- sequence's start and increment, collation when it is not the type's, storage and statistics
-- target when set, and comment. Comments
-- and identity sequences are joined, not looked up per row (col_description() is a SQL
-- function called once per column otherwise).
SELECT a.attrelid,
       a.attname,
       format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull,
       CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END AS default_expr,
       CASE WHEN a.attgenerated IN ('s', 'v') THEN pg_get_expr(d.adbin, d.adrelid) END AS generated_expr,
       a.attgenerated = 'v' AS virtual_generated,
       -- The NOT NULL constraint's name and attributes (PostgreSQL 18 keeps them; none before).
       nn.conname AS not_null_name,
       coalesce(nn.not_valid, false) AS not_null_not_valid,
       coalesce(nn.no_inherit, false) AS not_null_no_inherit,
       coalesce(nn.inherited, false) AS not_null_inherited,
       coalesce(nn.inherited_only, false) AS not_null_inherited_only,
       a.attidentity::text AS identity,
       s.seqstart,
       s.seqincrement,
       s.seqmin,
       s.seqmax,
       s.seqcache,
       s.seqcycle,
       CASE WHEN a.attcollation <> t.typcollation
            THEN quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END AS collation,
       -- Storage when not the type's own; a statistics target when set (-1 before 17, NULL
       -- from 17, is the server's default).
       CASE WHEN a.attstorage <> t.typstorage THEN
            CASE a.attstorage WHEN 'p' THEN 'plain' WHEN 'e' THEN 'external'
                              WHEN 'm' THEN 'main' ELSE 'extended' END END AS storage,
       NULLIF(a.attstattarget::integer, -1) AS statistics,
       ds.description AS comment,
       -- Column privileges, as tables.sql writes a table's.
       CASE WHEN a.attacl IS NULL THEN '{}'::text[] ELSE
       ARRAY(SELECT CASE WHEN g.grantee = 0 THEN 'public' ELSE pg_get_userbyid(g.grantee)::text END
                    || ':' || string_agg(g.privilege_type || CASE WHEN g.is_grantable THEN '*' ELSE '' END,
                                         ',' ORDER BY g.privilege_type)
             FROM aclexplode(a.attacl) g
             WHERE g.grantee <> c.relowner
             GROUP BY g.grantee
             ORDER BY 1) END AS grants,
       a.attnum,
       a.attislocal
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> t.typcollation
LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
LEFT JOIN pg_description ds ON ds.objoid = a.attrelid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = a.attnum
LEFT JOIN (SELECT d.refobjid, d.refobjsubid, d.objid FROM pg_depend d
           WHERE d.deptype = 'i' AND d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass) dep
       ON dep.refobjid = a.attrelid AND dep.refobjsubid = a.attnum AND a.attidentity <> ''
LEFT JOIN pg_sequence s ON s.seqrelid = dep.objid
LEFT JOIN {not_null_constraints} nn ON nn.conrelid = a.attrelid AND nn.attnum = a.attnum
WHERE c.relkind IN ('r', 'm', 'p') AND n.nspname = ANY($1) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
