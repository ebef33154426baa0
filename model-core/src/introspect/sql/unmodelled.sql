-- What the engine does not model, by kind and name: objects of the managed schemas, and the
-- database-wide objects pg_dump shows (user mappings, casts). A run names them so that nobody takes
-- silence for "the same". Objects that belong to an extension are left out.
WITH ext AS (
    SELECT classid, objid FROM pg_depend WHERE deptype = 'e'
)
SELECT kind, name FROM (
    SELECT CASE p.prokind WHEN 'a' THEN 'ordered-set aggregate' ELSE 'window function' END AS kind,
           quote_ident(n.nspname) || '.' || quote_ident(p.proname)
               || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS name
    FROM pg_proc p
    JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE p.prokind IN ('a', 'w') AND n.nspname = ANY($1)
      AND NOT EXISTS (SELECT 1 FROM pg_aggregate a WHERE a.aggfnoid = p.oid AND a.aggkind = 'n')
      AND NOT EXISTS (SELECT 1 FROM ext WHERE classid = 'pg_proc'::regclass AND objid = p.oid)
    UNION ALL
    SELECT 'base type', quote_ident(n.nspname) || '.' || quote_ident(t.typname)
    FROM pg_type t
    JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = ANY($1)
      AND (t.typtype = 'p' OR (t.typtype = 'b' AND t.typcategory <> 'A'))
      AND NOT EXISTS (SELECT 1 FROM ext WHERE classid = 'pg_type'::regclass AND objid = t.oid)
    UNION ALL
    SELECT 'operator', quote_ident(n.nspname) || '.' || o.oprname
               || '(' || coalesce(format_type(o.oprleft, NULL), 'NONE') || ', '
               || coalesce(format_type(o.oprright, NULL), 'NONE') || ')'
    FROM pg_operator o
    JOIN pg_namespace n ON n.oid = o.oprnamespace
    WHERE n.nspname = ANY($1)
      AND NOT EXISTS (SELECT 1 FROM ext WHERE classid = 'pg_operator'::regclass AND objid = o.oid)
    UNION ALL
    SELECT 'operator class', quote_ident(n.nspname) || '.' || quote_ident(c.opcname)
    FROM pg_opclass c
    JOIN pg_namespace n ON n.oid = c.opcnamespace
    WHERE n.nspname = ANY($1)
      AND NOT EXISTS (SELECT 1 FROM ext WHERE classid = 'pg_opclass'::regclass AND objid = c.oid)
    UNION ALL
    SELECT 'operator family', quote_ident(n.nspname) || '.' || quote_ident(f.opfname)
    FROM pg_opfamily f
    JOIN pg_namespace n ON n.oid = f.opfnamespace
    WHERE n.nspname = ANY($1)
      AND NOT EXISTS (SELECT 1 FROM ext WHERE classid = 'pg_opfamily'::regclass AND objid = f.oid)
    UNION ALL
    SELECT 'text search configuration', quote_ident(n.nspname) || '.' || quote_ident(c.cfgname)
    FROM pg_ts_config c
    JOIN pg_namespace n ON n.oid = c.cfgnamespace
    WHERE n.nspname = ANY($1)
      AND NOT EXISTS (SELECT 1 FROM ext WHERE classid = 'pg_ts_config'::regclass AND objid = c.oid)
    UNION ALL
    SELECT 'text search dictionary', quote_ident(n.nspname) || '.' || quote_ident(d.dictname)
    FROM pg_ts_dict d
    JOIN pg_namespace n ON n.oid = d.dictnamespace
    WHERE n.nspname = ANY($1)
      AND NOT EXISTS (SELECT 1 FROM ext WHERE classid = 'pg_ts_dict'::regclass AND objid = d.oid)
    UNION ALL
    SELECT 'conversion', quote_ident(n.nspname) || '.' || quote_ident(c.conname)
    FROM pg_conversion c
    JOIN pg_namespace n ON n.oid = c.connamespace
    WHERE n.nspname = ANY($1)
      AND NOT EXISTS (SELECT 1 FROM ext WHERE classid = 'pg_conversion'::regclass AND objid = c.oid)
    UNION ALL
    -- Only who and where: the options may hold passwords. The view, not the catalog, which
    -- only a superuser may read.
    SELECT 'user mapping', quote_ident(CASE WHEN u.umuser = 0 THEN 'public' ELSE u.usename::text END)
               || ' on ' || quote_ident(u.srvname::text)
    FROM pg_user_mappings u
    UNION ALL
    SELECT 'cast', '(' || format_type(c.castsource, NULL) || ' AS ' || format_type(c.casttarget, NULL) || ')'
    FROM pg_cast c
    WHERE c.oid >= 16384
      -- Not an extension's, nor one PostgreSQL made with a type (range to multirange).
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_cast'::regclass
                      AND d.objid = c.oid AND d.deptype IN ('e', 'i'))

) unmodelled
ORDER BY kind, name
