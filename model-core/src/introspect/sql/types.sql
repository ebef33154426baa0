-- Collations, composite types, domains and range types of the managed schemas, as the
-- statements that create and drop them (names quoted by the server, expressions and
-- constraints from its deparsers). Not an extension's, nor what PostgreSQL made along with
-- another object (a table's row type, a range's multirange).
WITH ext AS (
    SELECT classid, objid FROM pg_depend WHERE deptype = 'e'
)
SELECT kind, name, create_sql, drop_sql, parts FROM (
    SELECT 'collation' AS kind,
           format('%I.%I', n.nspname, c.collname) AS name,
           format('CREATE COLLATION %I.%I (provider = %s', n.nspname, c.collname,
                  CASE c.collprovider WHEN 'i' THEN 'icu' WHEN 'c' THEN 'libc' ELSE 'default' END)
               || CASE WHEN c.collisdeterministic THEN '' ELSE ', deterministic = false' END
               || CASE WHEN c.collprovider = 'i' THEN format(', locale = %L', c.colliculocale)
                       WHEN c.collcollate = c.collctype THEN format(', locale = %L', c.collcollate)
                       ELSE format(', lc_collate = %L, lc_ctype = %L', c.collcollate, c.collctype) END
               || ')' AS create_sql,
           format('DROP COLLATION %I.%I', n.nspname, c.collname) AS drop_sql,
           '{}'::text[] AS parts
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
           -- Attributes in order, for ALTER TYPE … ADD / DROP ATTRIBUTE in place.
           ARRAY(SELECT 'attribute ' || quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod)
                        || CASE WHEN a.attcollation <> at.typcollation
                                THEN format(' COLLATE %I.%I', cn.nspname, co.collname) ELSE '' END
                 FROM pg_attribute a
                 JOIN pg_type at ON at.oid = a.atttypid
                 LEFT JOIN pg_collation co ON co.oid = a.attcollation
                 LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
                 WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
                 ORDER BY a.attnum)
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
           ARRAY['base ' || format_type(t.typbasetype, t.typtypmod)
                 || CASE WHEN t.typcollation <> bt.typcollation AND t.typcollation <> 0
                         THEN format(' COLLATE %I.%I', cn.nspname, co.collname) ELSE '' END]
               || CASE WHEN t.typdefaultbin IS NOT NULL
                       THEN ARRAY['default ' || pg_get_expr(t.typdefaultbin, 0)] ELSE '{}'::text[] END
               || CASE WHEN t.typnotnull THEN ARRAY['notnull'] ELSE '{}'::text[] END
               || ARRAY(SELECT 'check ' || quote_ident(k.conname) || ' ' || pg_get_constraintdef(k.oid)
                        FROM pg_constraint k WHERE k.contypid = t.oid AND k.contype = 'c'
                        ORDER BY k.conname)
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
           '{}'::text[]
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
) types
-- Created in this order (a domain may be over a composite type, a range's subtype a domain),
-- dropped in the reverse.
ORDER BY CASE kind WHEN 'collation' THEN 0 WHEN 'composite type' THEN 1 WHEN 'domain' THEN 2 ELSE 3 END, name
