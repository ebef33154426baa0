-- Comments on the objects that do not carry their own (schemas, tables, table columns and
-- statistics objects do): indexes, constraints, views and their columns, materialized views,
-- sequences, triggers, policies, rules, collations, types, domains and their constraints,
-- composite types' attributes, functions, procedures, aggregates, foreign tables and their
-- columns in the managed schemas; event triggers, publications, foreign-data wrappers and
-- servers of the database. Each object as `COMMENT ON` names it: its kind's words and
-- PostgreSQL's own identity of it (pg_identify_object: every name quoted as needed). An
-- extension's objects are the extension's. PostgreSQL's own objects (OIDs below 16384,
-- FirstNormalObjectId) are left out before they are identified: thousands carry comments.
WITH ext AS (
    SELECT classid, objid FROM pg_depend WHERE deptype = 'e'
), described AS (
    SELECT d.classoid, d.objoid, d.objsubid, d.description, o.type, o.schema, o.identity,
           CASE d.classoid
               WHEN 'pg_trigger'::regclass THEN (SELECT tgrelid FROM pg_trigger WHERE oid = d.objoid)
               WHEN 'pg_policy'::regclass THEN (SELECT polrelid FROM pg_policy WHERE oid = d.objoid)
               WHEN 'pg_rewrite'::regclass THEN (SELECT ev_class FROM pg_rewrite WHERE oid = d.objoid)
           END AS on_relation
    FROM pg_description d
    CROSS JOIN LATERAL pg_identify_object(d.classoid, d.objoid, d.objsubid) o
    WHERE d.classoid IN ('pg_class'::regclass, 'pg_constraint'::regclass, 'pg_trigger'::regclass,
                         'pg_policy'::regclass, 'pg_rewrite'::regclass, 'pg_collation'::regclass,
                         'pg_type'::regclass, 'pg_proc'::regclass, 'pg_event_trigger'::regclass,
                         'pg_publication'::regclass, 'pg_foreign_data_wrapper'::regclass,
                         'pg_foreign_server'::regclass)
      AND d.objoid >= 16384
      AND o.type NOT IN ('table', 'table column')
      AND NOT EXISTS (SELECT 1 FROM ext WHERE classid = d.classoid AND objid = d.objoid)
)
SELECT CASE x.type
           WHEN 'table constraint' THEN 'CONSTRAINT'
           WHEN 'domain constraint' THEN 'CONSTRAINT'
           WHEN 'view column' THEN 'COLUMN'
           WHEN 'materialized view column' THEN 'COLUMN'
           WHEN 'composite type column' THEN 'COLUMN'
           WHEN 'foreign table column' THEN 'COLUMN'
           WHEN 'foreign-data wrapper' THEN 'FOREIGN DATA WRAPPER'
           ELSE upper(x.type)
       END AS kind,
       CASE WHEN x.type = 'domain constraint'
            THEN (SELECT quote_ident(c.conname) || ' ON DOMAIN '
                         || (pg_identify_object('pg_type'::regclass, c.contypid, 0)).identity
                  FROM pg_constraint c WHERE c.oid = x.objoid)
            ELSE x.identity
       END AS identity,
       x.description AS comment
FROM described x
LEFT JOIN pg_class r ON r.oid = x.on_relation
LEFT JOIN pg_namespace rn ON rn.oid = r.relnamespace
WHERE coalesce((parse_ident(x.schema))[1], rn.nspname) = ANY($1)
   OR x.type IN ('event trigger', 'publication', 'foreign-data wrapper', 'server')
ORDER BY 1, 2
