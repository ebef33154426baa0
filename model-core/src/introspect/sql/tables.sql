-- Ordinary and partitioned tables (and partitions) of the managed schemas, leaving out tables
-- that belong to extensions.
SELECT c.oid, n.nspname::text AS schema, c.relname::text AS name, ds.description AS comment,
       c.relrowsecurity, c.relforcerowsecurity,
       -- Grants to other roles, one `role:PRIV,PRIV*` entry each (`*`: WITH GRANT OPTION; the
       -- owner's are implicit, so only those it lost are listed).
       {relation_grants} AS grants,
       -- The table's storage parameters, then its TOAST table's as `toast.name=value`.
       coalesce(c.reloptions, '{}')
           || ARRAY(SELECT 'toast.' || o FROM pg_class tc, unnest(tc.reloptions) o
                    WHERE tc.oid = c.reltoastrelid) AS options,
       c.relpersistence = 'u' AS unlogged,
       c.relreplident::text AS replica_identity,
       (SELECT ri.relname::text FROM pg_index i JOIN pg_class ri ON ri.oid = i.indexrelid
        WHERE i.indrelid = c.oid AND i.indisreplident) AS replica_index,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_by,
       pn.nspname::text AS parent_schema,
       pc.relname::text AS parent_name,
       CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS partition_bound,
       -- INHERITS parents (not a partition's), in order.
       ARRAY(SELECT pn2.nspname::text FROM pg_inherits i2
             JOIN pg_class p2 ON p2.oid = i2.inhparent
             JOIN pg_namespace pn2 ON pn2.oid = p2.relnamespace
             WHERE i2.inhrelid = c.oid AND NOT c.relispartition ORDER BY i2.inhseqno) AS inherits_schemas,
       ARRAY(SELECT p2.relname::text FROM pg_inherits i2
             JOIN pg_class p2 ON p2.oid = i2.inhparent
             WHERE i2.inhrelid = c.oid AND NOT c.relispartition ORDER BY i2.inhseqno) AS inherits_names
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_description ds ON ds.objoid = c.oid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = 0
LEFT JOIN pg_inherits ih ON ih.inhrelid = c.oid AND c.relispartition
LEFT JOIN pg_class pc ON pc.oid = ih.inhparent
LEFT JOIN pg_namespace pn ON pn.oid = pc.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND n.nspname = ANY($1)
  AND NOT EXISTS (
      SELECT 1 FROM pg_depend d
      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY n.nspname, c.relname
