-- The managed schemas that exist, with their comments, owners and privileges.
SELECT n.nspname::text AS nspname, ds.description AS comment,
       pg_get_userbyid(n.nspowner)::text AS owner, n.nspacl::text[] AS acl
FROM pg_namespace n
LEFT JOIN pg_description ds ON ds.objoid = n.oid AND ds.classoid = 'pg_namespace'::regclass
WHERE n.nspname = ANY($1)
ORDER BY 1
