-- Indexes of those tables that do not back a primary key, unique or exclusion constraint,
-- key by key: the column number (0 for an expression), the key as pg_get_indexdef prints it, a
-- non-default operator class (or ''), and the DESC / NULLS FIRST flags; and whether a failed or
-- cancelled concurrent build left the index invalid.
SELECT i.indrelid,
       ic.relname,
       am.amname,
       i.indisunique,
       coalesce({nulls_not_distinct}, false) AS nulls_not_distinct,
       pg_get_expr(i.indpred, i.indrelid) AS predicate,
       i.indnkeyatts::int AS key_count,
       i.indkey::int2[] AS columns,
       ARRAY(SELECT CASE WHEN i.indkey[k] = 0 THEN pg_get_indexdef(i.indexrelid, k + 1, true) ELSE '' END
             FROM generate_series(0, i.indnatts - 1) k
             ORDER BY k) AS definitions,
       ARRAY(SELECT CASE WHEN oc.opcdefault THEN ''
                         ELSE quote_ident(ocn.nspname) || '.' || quote_ident(oc.opcname) END
             FROM generate_series(0, i.indnkeyatts - 1) k
             JOIN pg_opclass oc ON oc.oid = i.indclass[k]
             JOIN pg_namespace ocn ON ocn.oid = oc.opcnamespace
             ORDER BY k) AS opclasses,
       ARRAY(SELECT i.indoption[k]::int
             FROM generate_series(0, i.indnkeyatts - 1) k
             ORDER BY k) AS options,
       NOT (i.indisvalid AND i.indisready) AS invalid,
       coalesce(ic.reloptions, '{}') AS reloptions
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_am am ON am.oid = ic.relam
WHERE c.relkind IN ('r', 'm') AND n.nspname = ANY($1)
  AND NOT EXISTS (
      SELECT 1 FROM pg_constraint k
      WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x'))
ORDER BY i.indrelid, ic.relname
