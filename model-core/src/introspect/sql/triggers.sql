-- Triggers of tables in the managed schemas (not the internal ones behind foreign keys).
SELECT n.nspname::text AS schema, c.relname::text AS table_name, t.tgname::text AS name,
       pg_get_triggerdef(t.oid) AS definition,
       pn.nspname::text AS function_schema, p.proname::text AS function_name,
       t.tgenabled::text AS enabled
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_proc p ON p.oid = t.tgfoid
JOIN pg_namespace pn ON pn.oid = p.pronamespace
-- (Nor the copies a partition gets of its parent's triggers.)
WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND n.nspname = ANY($1)
ORDER BY 1, 2, 3
