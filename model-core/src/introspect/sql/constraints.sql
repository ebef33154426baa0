-- Primary key, foreign key, unique, check and exclusion constraints of those tables. Column
-- lists come as attribute numbers; the columns query gives their names.
-- `{…}` placeholders are the catalog details that differ by version (sql/version.rs).
SELECT k.conrelid,
       k.conname,
       k.contype::text,
       k.conkey::int2[] AS columns,
       fn.nspname AS ref_schema,
       fc.relname AS ref_table,
       -- Referenced columns by name only when the referenced table is not read here (its
       -- columns are not in the columns query); otherwise by number, mapped in Rust.
       CASE WHEN k.contype = 'f' AND NOT fn.nspname = ANY($1) THEN
           ARRAY(SELECT a.attname::text
                 FROM unnest(k.confkey) WITH ORDINALITY u(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.attnum
                 ORDER BY u.ord) END AS ref_column_names,
       k.confupdtype::text,
       k.confdeltype::text,
       k.confmatchtype::text,
       k.condeferrable,
       k.condeferred,
       -- (A NOT ENFORCED constraint is never validated: that is not NOT VALID.)
       NOT k.convalidated AND {conenforced} AS not_valid,
       k.connoinherit AS no_inherit,
       -- Deparsing is the expensive part: only where the text is used.
       CASE WHEN k.contype = 'c' THEN pg_get_expr(k.conbin, k.conrelid) END AS check_expr,
       CASE WHEN k.contype = 'x' THEN pg_get_constraintdef(k.oid) END AS definition,
       coalesce({nulls_not_distinct}, false) AS nulls_not_distinct,
       k.confrelid,
       k.confkey::int2[] AS ref_columns,
       -- What later versions added: NOT ENFORCED checks and foreign keys (18), temporal keys
       -- (WITHOUT OVERLAPS, PERIOD: 18), ON DELETE SET NULL (columns) (15).
       NOT {conenforced} AS not_enforced,
       {conperiod} AS period,
       {confdelsetcols} AS delete_set_columns
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class fc ON fc.oid = k.confrelid
LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
LEFT JOIN pg_index i ON i.indexrelid = k.conindid AND k.contype = 'u'
WHERE k.contype IN ('p', 'f', 'u', 'c', 'x') AND c.relkind IN ('r', 'p') AND n.nspname = ANY($1)
  -- Not what a partition inherits without a copy of its own: foreign keys cloned from the
  -- parent (or onto a partitioned table's partitions) and inherited checks.
  AND NOT (k.contype = 'f' AND k.conparentid <> 0)
  AND NOT (k.contype = 'c' AND NOT k.conislocal)
ORDER BY k.conrelid, k.conname
