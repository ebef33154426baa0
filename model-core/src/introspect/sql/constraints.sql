-- Primary key, foreign key, unique, check and exclusion constraints of those tables.
-- {nulls_not_distinct} is `i.indnullsnotdistinct` from PostgreSQL 15 on, `false` before.
SELECT k.conrelid,
       k.conname,
       k.contype::text,
       ARRAY(SELECT a.attname::text
             FROM unnest(k.conkey) WITH ORDINALITY u(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum
             ORDER BY u.ord) AS columns,
       fn.nspname AS ref_schema,
       fc.relname AS ref_table,
       ARRAY(SELECT a.attname::text
             FROM unnest(k.confkey) WITH ORDINALITY u(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.attnum
             ORDER BY u.ord) AS ref_columns,
       k.confupdtype::text,
       k.confdeltype::text,
       k.confmatchtype::text,
       k.condeferrable,
       k.condeferred,
       pg_get_expr(k.conbin, k.conrelid) AS check_expr,
       pg_get_constraintdef(k.oid) AS definition,
       coalesce({nulls_not_distinct}, false) AS nulls_not_distinct
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class fc ON fc.oid = k.confrelid
LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
LEFT JOIN pg_index i ON i.indexrelid = k.conindid AND k.contype = 'u'
WHERE k.contype IN ('p', 'f', 'u', 'c', 'x') AND c.relkind = 'r' AND n.nspname = ANY($1)
ORDER BY k.conrelid, k.conname
