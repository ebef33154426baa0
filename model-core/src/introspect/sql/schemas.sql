-- The managed schemas that exist, with their comments.
SELECT n.nspname::text AS nspname, ds.description AS comment
FROM pg_namespace n
LEFT JOIN pg_description ds ON ds.objoid = n.oid AND ds.classoid = 'pg_namespace'::regclass
WHERE n.nspname = ANY($1)
ORDER BY 1
