-- Enum types of the managed schemas with their labels in sort order.
SELECT n.nspname::text AS schema, t.typname::text AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels,
       pg_get_userbyid(t.typowner)::text AS owner, t.typacl::text[] AS acl
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
JOIN pg_enum e ON e.enumtypid = t.oid
WHERE n.nspname = ANY($1)
  AND NOT EXISTS (
      SELECT 1 FROM pg_depend d
      WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
GROUP BY t.oid, n.nspname
ORDER BY n.nspname, t.typname
