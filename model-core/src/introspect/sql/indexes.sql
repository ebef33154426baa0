-- Indexes of those tables that do not back a primary key, unique or exclusion constraint,
-- key by key: the column number (0 for an expression), the key as pg_get_indexdef prints it, a
-- non-default operator class (or ''), and the DESC / NULLS FIRST flags; and whether a failed or
-- cancelled concurrent build left the index invalid.
SELECT i.indrelid,
       ic.relname::text AS name,
       am.amname::text AS method,
       i.indisunique,
       coalesce({nulls_not_distinct}, false) AS nulls_not_distinct,
       pg_get_expr(i.indpred, i.indrelid) AS predicate,
       i.indnkeyatts::int AS key_count,
       i.indkey::int2[] AS columns,
       ARRAY(SELECT CASE WHEN i.indkey[k] = 0 THEN pg_get_indexdef(i.indexrelid, k + 1, true) ELSE '' END
             FROM generate_series(0, i.indnatts - 1) k
             ORDER BY k) AS definitions,
       -- (pg_catalog's operator classes unqualified, as pg_dump writes them and users do.)
       ARRAY(SELECT CASE WHEN oc.opcdefault THEN ''
                         WHEN ocn.nspname = 'pg_catalog' THEN quote_ident(oc.opcname)
                         ELSE quote_ident(ocn.nspname) || '.' || quote_ident(oc.opcname) END
             FROM generate_series(0, i.indnkeyatts - 1) k
             JOIN pg_opclass oc ON oc.oid = i.indclass[k]
             JOIN pg_namespace ocn ON ocn.oid = oc.opcnamespace
             ORDER BY k) AS opclasses,
       ARRAY(SELECT i.indoption[k]::int
             FROM generate_series(0, i.indnkeyatts - 1) k
             ORDER BY k) AS options,
       -- A key's collation when it is not the one the column (or the expression's type)
       -- has, else ''.
       ARRAY(SELECT CASE WHEN i.indcollation[k] = 0
                           OR i.indcollation[k] = coalesce(ta.attcollation, kt.typcollation) THEN ''
                         ELSE quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END
             FROM generate_series(0, i.indnkeyatts - 1) k
             JOIN pg_attribute ia ON ia.attrelid = i.indexrelid AND ia.attnum = k + 1
             JOIN pg_type kt ON kt.oid = ia.atttypid
             LEFT JOIN pg_attribute ta ON ta.attrelid = i.indrelid AND ta.attnum = i.indkey[k]
                                      AND i.indkey[k] <> 0
             LEFT JOIN pg_collation co ON co.oid = i.indcollation[k]
             LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
             ORDER BY k) AS collations,
       NOT (i.indisvalid AND i.indisready) AND c.relkind <> 'p' AS invalid,
       -- A partitioned table's index made ON ONLY it, not yet attached to one of every
       -- partition: PostgreSQL keeps it invalid until then.
       NOT i.indisvalid AND c.relkind = 'p' AS on_only,
       coalesce(ic.reloptions, '{}') AS reloptions,
       (SELECT pi.relname::text FROM pg_inherits ih JOIN pg_class pi ON pi.oid = ih.inhparent
        WHERE ih.inhrelid = i.indexrelid) AS attached_to
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_am am ON am.oid = ic.relam
WHERE c.relkind IN ('r', 'm', 'p') AND n.nspname = ANY($1)
  AND NOT EXISTS (
      SELECT 1 FROM pg_constraint k
      WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x'))
ORDER BY i.indrelid, ic.relname
