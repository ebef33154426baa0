-- Functions and procedures of the managed schemas, not an extension's nor those PostgreSQL
-- made for a type (a range type's constructors).
SELECT n.nspname::text AS schema, p.proname::text AS name,
       pg_get_function_identity_arguments(p.oid) AS arguments,
       oidvectortypes(p.proargtypes) AS types,
       coalesce(pg_get_function_result(p.oid), '') AS returns,
       pg_get_functiondef(p.oid) AS definition,
       p.prokind = 'p' AS procedure,
       pg_get_userbyid(p.proowner)::text AS owner, p.proacl::text[] AS acl
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = ANY($1) AND p.prokind IN ('f', 'p')
  AND NOT EXISTS (
      SELECT 1 FROM pg_depend d
      WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype IN ('e', 'i'))
ORDER BY 1, 2, 3
