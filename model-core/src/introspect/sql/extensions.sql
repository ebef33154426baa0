-- Installed extensions (plpgsql comes with every database and is left out).
SELECT e.extname::text AS name, n.nspname::text AS schema, e.extversion AS version,
       e.extrelocatable AS relocatable
FROM pg_extension e
JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname <> 'plpgsql'
ORDER BY e.extname
