-- Triggers of tables in the managed schemas (not the internal ones behind foreign keys).
SELECT n.nspname::text, c.relname::text, t.tgname::text, pg_get_triggerdef(t.oid),
       pn.nspname::text, p.proname::text
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_proc p ON p.oid = t.tgfoid
JOIN pg_namespace pn ON pn.oid = p.pronamespace
WHERE NOT t.tgisinternal AND n.nspname = ANY($1)
ORDER BY 1, 2, 3
