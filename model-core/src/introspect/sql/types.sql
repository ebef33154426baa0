-- Collations, composite types, domains and range types of the managed schemas, as the
-- statements that create and drop them (names quoted by the server, expressions and
-- constraints from its deparsers). Not an extension's, nor what PostgreSQL made along with
-- another object (a table's row type, a range's multirange).
WITH ext AS (
    SELECT classid, objid FROM pg_depend WHERE deptype = 'e'
)
-- What can change in place comes in columns of its own: a domain's base, default, NOT NULL and
-- checks; a composite type's attributes in order; a foreign object's fixed parts (compared
-- whole), version and options. NULL where a kind has none.
SELECT kind, name, create_sql, drop_sql, base, default_expr, not_null, check_names, check_defs, attribute_names, attribute_types, fixed, version, option_names, option_values, owner, acl FROM (
    SELECT 'collation' AS kind,
           format('%I.%I', n.nspname, c.collname) AS name,
           format('CREATE COLLATION %I.%I (provider = %s', n.nspname, c.collname,
                  CASE c.collprovider WHEN 'i' THEN 'icu' WHEN 'c' THEN 'libc' WHEN 'b' THEN 'builtin'
                                      ELSE 'default' END)
               || CASE WHEN c.collisdeterministic THEN '' ELSE ', deterministic = false' END
               -- {colllocale}: the ICU or builtin locale (its column differs by version).
               || CASE WHEN c.collprovider IN ('i', 'b') THEN format(', locale = %L', {colllocale})
                       WHEN c.collcollate = c.collctype THEN format(', locale = %L', c.collcollate)
                       ELSE format(', lc_collate = %L, lc_ctype = %L', c.collcollate, c.collctype) END
               || CASE WHEN {collicurules} IS NOT NULL THEN format(', rules = %L', {collicurules}) ELSE '' END
               || ')' AS create_sql,
           format('DROP COLLATION %I.%I', n.nspname, c.collname) AS drop_sql,
           NULL::text AS base, NULL::text AS default_expr, NULL::boolean AS not_null,
           NULL::text[] AS check_names, NULL::text[] AS check_defs,
           NULL::text[] AS attribute_names, NULL::text[] AS attribute_types,
           NULL::text[] AS fixed, NULL::text AS version,
           NULL::text[] AS option_names, NULL::text[] AS option_values,
           pg_get_userbyid(c.collowner)::text AS owner, NULL::text[] AS acl
    FROM pg_collation c
    JOIN pg_namespace n ON n.oid = c.collnamespace
    WHERE n.nspname = ANY($1)
      AND NOT EXISTS (SELECT 1 FROM ext WHERE classid = 'pg_collation'::regclass AND objid = c.oid)
    UNION ALL
    SELECT 'composite type',
           format('%I.%I', n.nspname, t.typname),
           format('CREATE TYPE %I.%I AS (', n.nspname, t.typname)
               || coalesce((SELECT string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod)
                                              || CASE WHEN a.attcollation <> at.typcollation
                                                      THEN format(' COLLATE %I.%I', cn.nspname, co.collname) ELSE '' END,
                                              ', ' ORDER BY a.attnum)
                            FROM pg_attribute a
                            JOIN pg_type at ON at.oid = a.atttypid
                            LEFT JOIN pg_collation co ON co.oid = a.attcollation
                            LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
                            WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped), '')
               || ')',
           format('DROP TYPE %I.%I', n.nspname, t.typname),
           NULL, NULL, NULL, NULL, NULL,
           -- Attributes in order, for ALTER TYPE … ADD / DROP ATTRIBUTE in place.
           ARRAY(SELECT quote_ident(a.attname) FROM pg_attribute a
                 WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
                 ORDER BY a.attnum),
           ARRAY(SELECT format_type(a.atttypid, a.atttypmod)
                        || CASE WHEN a.attcollation <> at.typcollation
                                THEN format(' COLLATE %I.%I', cn.nspname, co.collname) ELSE '' END
                 FROM pg_attribute a
                 JOIN pg_type at ON at.oid = a.atttypid
                 LEFT JOIN pg_collation co ON co.oid = a.attcollation
                 LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
                 WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
                 ORDER BY a.attnum),
           NULL, NULL, NULL, NULL,
           pg_get_userbyid(t.typowner)::text, t.typacl::text[]
    FROM pg_type t
    JOIN pg_namespace n ON n.oid = t.typnamespace
    JOIN pg_class r ON r.oid = t.typrelid AND r.relkind = 'c'
    WHERE t.typtype = 'c' AND n.nspname = ANY($1)
      AND NOT EXISTS (SELECT 1 FROM ext WHERE classid = 'pg_type'::regclass AND objid = t.oid)
    UNION ALL
    SELECT 'domain',
           format('%I.%I', n.nspname, t.typname),
           format('CREATE DOMAIN %I.%I AS %s', n.nspname, t.typname, format_type(t.typbasetype, t.typtypmod))
               || CASE WHEN t.typcollation <> bt.typcollation AND t.typcollation <> 0
                       THEN format(' COLLATE %I.%I', cn.nspname, co.collname) ELSE '' END
               || CASE WHEN t.typdefaultbin IS NOT NULL
                       THEN ' DEFAULT ' || pg_get_expr(t.typdefaultbin, 0) ELSE '' END
               || CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END
               || coalesce((SELECT string_agg(format(' CONSTRAINT %I ', k.conname) || pg_get_constraintdef(k.oid), '' ORDER BY k.conname)
                            FROM pg_constraint k WHERE k.contypid = t.oid AND k.contype = 'c'), ''),
           format('DROP DOMAIN %I.%I', n.nspname, t.typname),
           -- The base type, default, NOT NULL and checks apart, for ALTER DOMAIN in place.
           format_type(t.typbasetype, t.typtypmod)
               || CASE WHEN t.typcollation <> bt.typcollation AND t.typcollation <> 0
                       THEN format(' COLLATE %I.%I', cn.nspname, co.collname) ELSE '' END,
           pg_get_expr(t.typdefaultbin, 0),
           t.typnotnull,
           ARRAY(SELECT quote_ident(k.conname) FROM pg_constraint k
                 WHERE k.contypid = t.oid AND k.contype = 'c' ORDER BY k.conname),
           ARRAY(SELECT pg_get_constraintdef(k.oid) FROM pg_constraint k
                 WHERE k.contypid = t.oid AND k.contype = 'c' ORDER BY k.conname),
           NULL, NULL, NULL, NULL, NULL, NULL,
           pg_get_userbyid(t.typowner)::text, t.typacl::text[]
    FROM pg_type t
    JOIN pg_namespace n ON n.oid = t.typnamespace
    JOIN pg_type bt ON bt.oid = t.typbasetype
    LEFT JOIN pg_collation co ON co.oid = t.typcollation
    LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
    WHERE t.typtype = 'd' AND n.nspname = ANY($1)
      AND NOT EXISTS (SELECT 1 FROM ext WHERE classid = 'pg_type'::regclass AND objid = t.oid)
    UNION ALL
    SELECT 'range type',
           format('%I.%I', n.nspname, t.typname),
           format('CREATE TYPE %I.%I AS RANGE (subtype = %s', n.nspname, t.typname, format_type(r.rngsubtype, NULL))
               || CASE WHEN NOT oc.opcdefault THEN format(', subtype_opclass = %I.%I', ocn.nspname, oc.opcname) ELSE '' END
               || CASE WHEN r.rngcollation <> 0 AND r.rngcollation <> st.typcollation
                       THEN format(', collation = %I.%I', cn.nspname, co.collname) ELSE '' END
               || CASE WHEN r.rngcanonical <> 0 THEN ', canonical = ' || r.rngcanonical::regproc::text ELSE '' END
               || CASE WHEN r.rngsubdiff <> 0 THEN ', subtype_diff = ' || r.rngsubdiff::regproc::text ELSE '' END
               || format(', multirange_type_name = %I.%I)', mn.nspname, mt.typname),
           format('DROP TYPE %I.%I', n.nspname, t.typname),
           NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
           pg_get_userbyid(t.typowner)::text, t.typacl::text[]
    FROM pg_range r
    JOIN pg_type t ON t.oid = r.rngtypid
    JOIN pg_namespace n ON n.oid = t.typnamespace
    JOIN pg_type st ON st.oid = r.rngsubtype
    JOIN pg_opclass oc ON oc.oid = r.rngsubopc
    JOIN pg_namespace ocn ON ocn.oid = oc.opcnamespace
    LEFT JOIN pg_collation co ON co.oid = r.rngcollation
    LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
    JOIN pg_type mt ON mt.oid = r.rngmultitypid
    JOIN pg_namespace mn ON mn.oid = mt.typnamespace
    WHERE n.nspname = ANY($1)
      AND NOT EXISTS (SELECT 1 FROM ext WHERE classid = 'pg_type'::regclass AND objid = t.oid)
    UNION ALL
    -- Foreign-data wrappers and servers (the database's, not an extension's) and the foreign
    -- tables of the managed schemas. User mappings are not read: their options may hold
    -- passwords (they are named as not modelled).
    SELECT 'foreign-data wrapper',
           quote_ident(w.fdwname),
           format('CREATE FOREIGN DATA WRAPPER %I', w.fdwname)
               || CASE WHEN w.fdwhandler <> 0 THEN ' HANDLER ' || w.fdwhandler::regproc::text ELSE '' END
               || CASE WHEN w.fdwvalidator <> 0 THEN ' VALIDATOR ' || w.fdwvalidator::regproc::text ELSE '' END
               || coalesce((SELECT ' OPTIONS (' || string_agg(quote_ident(o.option_name) || ' ' || quote_literal(o.option_value), ', ') || ')'
                            FROM pg_options_to_table(w.fdwoptions) o), ''),
           format('DROP FOREIGN DATA WRAPPER %I', w.fdwname),
           NULL, NULL, NULL, NULL, NULL, NULL, NULL,
           -- What ALTER … OPTIONS cannot change, then the options one by one.
           ARRAY['handler ' || w.fdwhandler::regproc::text, 'validator ' || w.fdwvalidator::regproc::text],
           NULL,
           ARRAY(SELECT quote_ident(o.option_name) FROM pg_options_to_table(w.fdwoptions) o ORDER BY 1),
           ARRAY(SELECT quote_literal(o.option_value) FROM pg_options_to_table(w.fdwoptions) o
                 ORDER BY quote_ident(o.option_name)),
           pg_get_userbyid(w.fdwowner)::text, NULL::text[]
    FROM pg_foreign_data_wrapper w
    WHERE NOT EXISTS (SELECT 1 FROM ext WHERE classid = 'pg_foreign_data_wrapper'::regclass AND objid = w.oid)
    UNION ALL
    SELECT 'foreign server',
           quote_ident(s.srvname),
           format('CREATE SERVER %I', s.srvname)
               || CASE WHEN s.srvtype IS NOT NULL THEN format(' TYPE %L', s.srvtype) ELSE '' END
               || CASE WHEN s.srvversion IS NOT NULL THEN format(' VERSION %L', s.srvversion) ELSE '' END
               || format(' FOREIGN DATA WRAPPER %I', w.fdwname)
               || coalesce((SELECT ' OPTIONS (' || string_agg(quote_ident(o.option_name) || ' ' || quote_literal(o.option_value), ', ') || ')'
                            FROM pg_options_to_table(s.srvoptions) o), ''),
           format('DROP SERVER %I', s.srvname),
           NULL, NULL, NULL, NULL, NULL, NULL, NULL,
           ARRAY['wrapper ' || quote_ident(w.fdwname), 'type ' || coalesce(quote_literal(s.srvtype), '-')],
           quote_literal(s.srvversion),
           ARRAY(SELECT quote_ident(o.option_name) FROM pg_options_to_table(s.srvoptions) o ORDER BY 1),
           ARRAY(SELECT quote_literal(o.option_value) FROM pg_options_to_table(s.srvoptions) o
                 ORDER BY quote_ident(o.option_name)),
           pg_get_userbyid(s.srvowner)::text, NULL::text[]
    FROM pg_foreign_server s
    JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
    WHERE NOT EXISTS (SELECT 1 FROM ext WHERE classid = 'pg_foreign_server'::regclass AND objid = s.oid)
    UNION ALL
    SELECT 'foreign table',
           format('%I.%I', n.nspname, c.relname),
           format('CREATE FOREIGN TABLE %I.%I (', n.nspname, c.relname)
               || coalesce((SELECT string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod)
                                              || coalesce((SELECT ' OPTIONS (' || string_agg(quote_ident(o.option_name) || ' ' || quote_literal(o.option_value), ', ') || ')'
                                                           FROM pg_options_to_table(a.attfdwoptions) o), '')
                                              || CASE WHEN a.attcollation <> at.typcollation
                                                      THEN format(' COLLATE %I.%I', cn.nspname, co.collname) ELSE '' END
                                              || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
                                              || coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), ''),
                                              ', ' ORDER BY a.attnum)
                            FROM pg_attribute a
                            JOIN pg_type at ON at.oid = a.atttypid
                            LEFT JOIN pg_collation co ON co.oid = a.attcollation
                            LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
                            LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                            WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '')
               || format(') SERVER %I', s.srvname)
               || coalesce((SELECT ' OPTIONS (' || string_agg(quote_ident(o.option_name) || ' ' || quote_literal(o.option_value), ', ') || ')'
                            FROM pg_options_to_table(ft.ftoptions) o), ''),
           format('DROP FOREIGN TABLE %I.%I', n.nspname, c.relname),
           NULL, NULL, NULL, NULL, NULL, NULL, NULL,
           -- The columns and server (a change rebuilds it), then its options one by one.
           ARRAY['server ' || quote_ident(s.srvname),
                 'columns ' || coalesce((SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                                                          || ' ' || a.attnotnull || ' ' || a.attcollation
                                                          || ' ' || coalesce(array_to_string(a.attfdwoptions, ','), '')
                                                          || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), ''), ', ' ORDER BY a.attnum)
                                         FROM pg_attribute a
                                         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                                         WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '')],
           NULL,
           ARRAY(SELECT quote_ident(o.option_name) FROM pg_options_to_table(ft.ftoptions) o ORDER BY 1),
           ARRAY(SELECT quote_literal(o.option_value) FROM pg_options_to_table(ft.ftoptions) o
                 ORDER BY quote_ident(o.option_name)),
           pg_get_userbyid(c.relowner)::text, NULL::text[]
    FROM pg_foreign_table ft
    JOIN pg_class c ON c.oid = ft.ftrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_foreign_server s ON s.oid = ft.ftserver
    WHERE n.nspname = ANY($1)
      AND NOT EXISTS (SELECT 1 FROM ext WHERE classid = 'pg_class'::regclass AND objid = c.oid)
) types
-- Created in this order (a domain may be over a composite type, a range's subtype a domain,
-- a foreign table's columns of any of them), dropped in the reverse.
ORDER BY CASE kind WHEN 'collation' THEN 0 WHEN 'composite type' THEN 1 WHEN 'domain' THEN 2
                   WHEN 'range type' THEN 3 WHEN 'foreign-data wrapper' THEN 4
                   WHEN 'foreign server' THEN 5 ELSE 6 END, name
