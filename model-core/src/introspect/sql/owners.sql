-- Who owns each object of the managed schemas (and the schemas themselves), as the kind and
-- name `ALTER … OWNER TO` takes: relations (not a sequence a column owns), functions,
-- procedures and aggregates, and types (not array types, nor a table's row type); the
-- database's event triggers and publications. Not an extension's.
WITH ext AS (
    SELECT classid, objid FROM pg_depend WHERE deptype = 'e'
)
SELECT kind, name, owner FROM (
    SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
                          WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END AS kind,
           format('%I.%I', n.nspname, c.relname) AS name,
           pg_get_userbyid(c.relowner)::text AS owner
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND n.nspname = ANY($1)
      AND NOT EXISTS (SELECT 1 FROM ext WHERE classid = 'pg_class'::regclass AND objid = c.oid)
      -- A sequence that a column owns (identity or OWNED BY) goes with its table's owner.
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                      AND d.objid = c.oid AND d.deptype IN ('i', 'a') AND c.relkind = 'S')
    UNION ALL
    SELECT CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END,
           format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)),
           pg_get_userbyid(p.proowner)::text
    FROM pg_proc p
    JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = ANY($1) AND p.prokind IN ('f', 'p', 'a')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                      AND d.objid = p.oid AND d.deptype IN ('e', 'i'))
    UNION ALL
    SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END,
           format('%I.%I', n.nspname, t.typname),
           pg_get_userbyid(t.typowner)::text
    FROM pg_type t
    JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = ANY($1) AND t.typtype IN ('e', 'd', 'r', 'c')
      AND (t.typtype <> 'c' OR (SELECT r.relkind FROM pg_class r WHERE r.oid = t.typrelid) = 'c')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                      AND d.objid = t.oid AND d.deptype IN ('e', 'i'))
    UNION ALL
    SELECT 'SCHEMA', quote_ident(n.nspname), pg_get_userbyid(n.nspowner)::text
    FROM pg_namespace n
    WHERE n.nspname = ANY($1)
    UNION ALL
    -- The database's event triggers and publications, read as others.sql reads them.
    SELECT 'EVENT TRIGGER', quote_ident(e.evtname), pg_get_userbyid(e.evtowner)::text
    FROM pg_event_trigger e
    WHERE NOT EXISTS (SELECT 1 FROM ext WHERE classid = 'pg_event_trigger'::regclass AND objid = e.oid)
    UNION ALL
    SELECT 'PUBLICATION', quote_ident(p.pubname), pg_get_userbyid(p.pubowner)::text
    FROM pg_publication p
) owners
ORDER BY 1, 2
