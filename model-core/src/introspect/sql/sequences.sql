-- Standalone sequences: not the ones behind identity columns, not an extension's; with the
-- column that owns one (OWNED BY, as serial columns do).
SELECT n.nspname::text AS schema, c.relname::text AS name, format_type(s.seqtypid, NULL) AS type,
       s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
       own.nspname AS owner_schema, own.relname AS owner_table, own.attname AS owner_column,
       -- Privileges, as tables.sql writes a table's.
       ARRAY(SELECT CASE WHEN g.grantee = 0 THEN 'public' ELSE pg_get_userbyid(g.grantee)::text END
                    || ':' || string_agg(g.privilege_type || CASE WHEN g.is_grantable THEN '*' ELSE '' END,
                                         ',' ORDER BY g.privilege_type)
             FROM aclexplode(c.relacl) g
             WHERE g.grantee <> c.relowner
             GROUP BY g.grantee
             UNION ALL
             -- The owner's own privileges that were revoked, as `owner:-PRIV,-PRIV` (none when
             -- the owner holds all it holds by default).
             SELECT pg_get_userbyid(c.relowner)::text || ':'
                    || string_agg('-' || d.privilege_type, ',' ORDER BY d.privilege_type)
             FROM aclexplode(acldefault('s', c.relowner)) d
             WHERE c.relacl IS NOT NULL AND d.grantee = c.relowner
               AND NOT EXISTS (SELECT 1 FROM aclexplode(c.relacl) o
                               WHERE o.grantee = c.relowner AND o.privilege_type = d.privilege_type)
             HAVING count(*) > 0
             ORDER BY 1) AS grants
FROM pg_sequence s
JOIN pg_class c ON c.oid = s.seqrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN (SELECT d.objid, tn.nspname, t.relname, a.attname
           FROM pg_depend d
           JOIN pg_class t ON t.oid = d.refobjid
           JOIN pg_namespace tn ON tn.oid = t.relnamespace
           JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
           WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
             AND d.deptype = 'a' AND d.refobjsubid > 0) own ON own.objid = c.oid
WHERE n.nspname = ANY($1)
  AND NOT EXISTS (
      SELECT 1 FROM pg_depend d
      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('i', 'e'))
ORDER BY n.nspname, c.relname
