-- Objects kept as the statements that create and drop them: aggregates, rules on the managed tables,
-- event triggers, publications and default privileges (the database-wide ones, and those
-- of the managed schemas). Every name is quoted by the server (quote_ident / format %I and
-- %L); definitions come from its own deparsers. `{…}` placeholders are the catalog details
-- that differ by version (sql/version.rs).
WITH ext AS (
    SELECT classid, objid FROM pg_depend WHERE deptype = 'e'
)
SELECT kind, name, create_sql, drop_sql FROM (
    SELECT 'rule' AS kind,
           quote_ident(r.rulename) || ' on ' || quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name,
           rtrim(pg_get_ruledef(r.oid), ';')
               || CASE r.ev_enabled WHEN 'D' THEN format(E';\nALTER TABLE %I.%I DISABLE RULE %I', n.nspname, c.relname, r.rulename)
                                    WHEN 'R' THEN format(E';\nALTER TABLE %I.%I ENABLE REPLICA RULE %I', n.nspname, c.relname, r.rulename)
                                    WHEN 'A' THEN format(E';\nALTER TABLE %I.%I ENABLE ALWAYS RULE %I', n.nspname, c.relname, r.rulename)
                                    ELSE '' END AS create_sql,
           format('DROP RULE %I ON %I.%I', r.rulename, n.nspname, c.relname) AS drop_sql
    FROM pg_rewrite r
    JOIN pg_class c ON c.oid = r.ev_class
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE r.rulename <> '_RETURN' AND n.nspname = ANY($1)
      AND NOT EXISTS (SELECT 1 FROM ext WHERE classid = 'pg_class'::regclass AND objid = c.oid)
    UNION ALL
    -- Plain aggregates (ordered-set and hypothetical ones are named as not modelled).
    SELECT 'aggregate',
           format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)),
           format('CREATE AGGREGATE %I.%I(%s) (SFUNC = %s, STYPE = %s', n.nspname, p.proname,
                  pg_get_function_identity_arguments(p.oid), a.aggtransfn::regproc,
                  format_type(a.aggtranstype, NULL))
               || CASE WHEN a.aggtransspace <> 0 THEN format(', SSPACE = %s', a.aggtransspace) ELSE '' END
               || CASE WHEN a.aggfinalfn <> 0 THEN format(', FINALFUNC = %s', a.aggfinalfn::regproc) ELSE '' END
               || CASE WHEN a.aggfinalextra THEN ', FINALFUNC_EXTRA' ELSE '' END
               || CASE a.aggfinalmodify WHEN 's' THEN ', FINALFUNC_MODIFY = SHAREABLE'
                                        WHEN 'w' THEN ', FINALFUNC_MODIFY = READ_WRITE' ELSE '' END
               || CASE WHEN a.aggcombinefn <> 0 THEN format(', COMBINEFUNC = %s', a.aggcombinefn::regproc) ELSE '' END
               || CASE WHEN a.aggserialfn <> 0 THEN format(', SERIALFUNC = %s', a.aggserialfn::regproc) ELSE '' END
               || CASE WHEN a.aggdeserialfn <> 0 THEN format(', DESERIALFUNC = %s', a.aggdeserialfn::regproc) ELSE '' END
               || CASE WHEN a.agginitval IS NOT NULL THEN format(', INITCOND = %L', a.agginitval) ELSE '' END
               || CASE WHEN a.aggmtransfn <> 0 THEN format(', MSFUNC = %s, MINVFUNC = %s, MSTYPE = %s',
                       a.aggmtransfn::regproc, a.aggminvtransfn::regproc, format_type(a.aggmtranstype, NULL)) ELSE '' END
               || CASE WHEN a.aggmtransspace <> 0 THEN format(', MSSPACE = %s', a.aggmtransspace) ELSE '' END
               || CASE WHEN a.aggmfinalfn <> 0 THEN format(', MFINALFUNC = %s', a.aggmfinalfn::regproc) ELSE '' END
               || CASE WHEN a.aggmfinalextra THEN ', MFINALFUNC_EXTRA' ELSE '' END
               || CASE WHEN a.aggminitval IS NOT NULL THEN format(', MINITCOND = %L', a.aggminitval) ELSE '' END
               || CASE WHEN a.aggsortop <> 0 THEN format(', SORTOP = OPERATOR(%s)', a.aggsortop::regoper) ELSE '' END
               || CASE p.proparallel WHEN 's' THEN ', PARALLEL = SAFE' WHEN 'r' THEN ', PARALLEL = RESTRICTED' ELSE '' END
               || ')'
               -- Its privileges, relative to the default (EXECUTE for PUBLIC), as a function's.
               || CASE WHEN p.proacl IS NULL THEN '' ELSE
                      CASE WHEN NOT EXISTS (SELECT 1 FROM aclexplode(p.proacl) g WHERE g.grantee = 0)
                           THEN format(E';\nREVOKE EXECUTE ON FUNCTION %I.%I(%s) FROM PUBLIC', n.nspname,
                                       p.proname, pg_get_function_identity_arguments(p.oid))
                           ELSE '' END
                      || coalesce((SELECT string_agg(format(E';\nGRANT EXECUTE ON FUNCTION %I.%I(%s) TO %I%s',
                                                            n.nspname, p.proname, pg_get_function_identity_arguments(p.oid),
                                                            pg_get_userbyid(g.grantee),
                                                            CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END),
                                                     '' ORDER BY pg_get_userbyid(g.grantee))
                                   FROM aclexplode(p.proacl) g WHERE g.grantee NOT IN (0, p.proowner)), '')
                  END,
           format('DROP AGGREGATE %I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid))
    FROM pg_aggregate a
    JOIN pg_proc p ON p.oid = a.aggfnoid
    JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE a.aggkind = 'n' AND n.nspname = ANY($1)
      AND NOT EXISTS (SELECT 1 FROM ext WHERE classid = 'pg_proc'::regclass AND objid = p.oid)
    UNION ALL
    SELECT 'event trigger',
           quote_ident(e.evtname),
           format('CREATE EVENT TRIGGER %I ON %I', e.evtname, e.evtevent)
               || CASE WHEN e.evttags IS NULL THEN ''
                       ELSE ' WHEN TAG IN (' || (SELECT string_agg(quote_literal(t), ', ' ORDER BY t)
                                                FROM unnest(e.evttags) t) || ')' END
               || format(' EXECUTE FUNCTION %I.%I()', pn.nspname, p.proname)
               || CASE e.evtenabled WHEN 'D' THEN format(E';\nALTER EVENT TRIGGER %I DISABLE', e.evtname)
                                    WHEN 'R' THEN format(E';\nALTER EVENT TRIGGER %I ENABLE REPLICA', e.evtname)
                                    WHEN 'A' THEN format(E';\nALTER EVENT TRIGGER %I ENABLE ALWAYS', e.evtname)
                                    ELSE '' END,
           format('DROP EVENT TRIGGER %I', e.evtname)
    FROM pg_event_trigger e
    JOIN pg_proc p ON p.oid = e.evtfoid
    JOIN pg_namespace pn ON pn.oid = p.pronamespace
    WHERE NOT EXISTS (SELECT 1 FROM ext WHERE classid = 'pg_event_trigger'::regclass AND objid = e.oid)
    UNION ALL
    SELECT 'publication',
           quote_ident(p.pubname),
           format('CREATE PUBLICATION %I', p.pubname)
               || CASE WHEN p.puballtables THEN ' FOR ALL TABLES'
                       ELSE coalesce(' FOR ' || nullif(concat_ws(', ',
                           (SELECT 'TABLES IN SCHEMA ' || string_agg(quote_ident(sn.nspname), ', ' ORDER BY sn.nspname)
                            FROM {publication_namespaces} ps JOIN pg_namespace sn ON sn.oid = ps.pnnspid
                            WHERE ps.pnpubid = p.oid),
                           (SELECT 'TABLE ' || string_agg(
                                       format('%I.%I', tn.nspname, t.relname)
                                       || CASE WHEN {prattrs} IS NULL THEN '' ELSE ' (' ||
                                              (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.ord)
                                               FROM unnest({prattrs}) WITH ORDINALITY k(attnum, ord)
                                               JOIN pg_attribute a ON a.attrelid = pr.prrelid AND a.attnum = k.attnum)
                                              || ')' END
                                       || CASE WHEN {prqual} IS NULL THEN ''
                                               ELSE ' WHERE (' || {prqual} || ')' END,
                                       ', ' ORDER BY tn.nspname, t.relname)
                            FROM pg_publication_rel pr
                            JOIN pg_class t ON t.oid = pr.prrelid
                            JOIN pg_namespace tn ON tn.oid = t.relnamespace
                            WHERE pr.prpubid = p.oid)), ''), '') END
               || format(' WITH (publish = %L, publish_via_partition_root = %s%s)',
                         concat_ws(', ', CASE WHEN p.pubinsert THEN 'insert' END,
                                         CASE WHEN p.pubupdate THEN 'update' END,
                                         CASE WHEN p.pubdelete THEN 'delete' END,
                                         CASE WHEN p.pubtruncate THEN 'truncate' END),
                         CASE WHEN p.pubviaroot THEN 'true' ELSE 'false' END,
                         CASE WHEN {pubgencols} = 's' THEN ', publish_generated_columns = stored' ELSE '' END),
           format('DROP PUBLICATION %I', p.pubname)
    FROM pg_publication p
    UNION ALL
    -- Default privileges granted to roles other than the one they are for (the owner's own
    -- are PostgreSQL's defaults), one statement per grantee.
    SELECT 'default privileges',
           format('for role %I', pg_get_userbyid(d.defaclrole))
               || CASE WHEN d.defaclnamespace = 0 THEN '' ELSE format(' in schema %I', n.nspname) END
               || ' on ' || o.things || ' to '
               || CASE WHEN g.grantee = 0 THEN 'public' ELSE quote_ident(pg_get_userbyid(g.grantee)) END,
           format('ALTER DEFAULT PRIVILEGES FOR ROLE %I', pg_get_userbyid(d.defaclrole))
               || CASE WHEN d.defaclnamespace = 0 THEN '' ELSE format(' IN SCHEMA %I', n.nspname) END
               || ' GRANT ' || string_agg(g.privilege_type, ', ' ORDER BY g.privilege_type)
               || ' ON ' || upper(o.things) || ' TO '
               || CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(g.grantee)) END
               || CASE WHEN bool_and(g.is_grantable) THEN ' WITH GRANT OPTION' ELSE '' END,
           format('ALTER DEFAULT PRIVILEGES FOR ROLE %I', pg_get_userbyid(d.defaclrole))
               || CASE WHEN d.defaclnamespace = 0 THEN '' ELSE format(' IN SCHEMA %I', n.nspname) END
               || ' REVOKE ' || string_agg(g.privilege_type, ', ' ORDER BY g.privilege_type)
               || ' ON ' || upper(o.things) || ' FROM '
               || CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(g.grantee)) END
    FROM pg_default_acl d
    LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
    CROSS JOIN LATERAL (SELECT CASE d.defaclobjtype WHEN 'r' THEN 'tables' WHEN 'S' THEN 'sequences'
                                   WHEN 'f' THEN 'functions' WHEN 'T' THEN 'types'
                                   ELSE 'schemas' END AS things) o
    CROSS JOIN LATERAL aclexplode(d.defaclacl) g
    WHERE (d.defaclnamespace = 0 OR n.nspname = ANY($1)) AND g.grantee <> d.defaclrole
    GROUP BY d.defaclrole, d.defaclnamespace, n.nspname, o.things, g.grantee
    UNION ALL
    -- PUBLIC's own defaults taken away database-wide: EXECUTE on new functions, USAGE on
    -- new types (only there does PostgreSQL give PUBLIC a default).
    SELECT 'default privileges',
           format('for role %I on %s from public', pg_get_userbyid(d.defaclrole), o.things),
           format('ALTER DEFAULT PRIVILEGES FOR ROLE %I REVOKE %s ON %s FROM PUBLIC',
                  pg_get_userbyid(d.defaclrole), o.privilege, upper(o.things)),
           format('ALTER DEFAULT PRIVILEGES FOR ROLE %I GRANT %s ON %s TO PUBLIC',
                  pg_get_userbyid(d.defaclrole), o.privilege, upper(o.things))
    FROM pg_default_acl d
    CROSS JOIN LATERAL (SELECT CASE d.defaclobjtype WHEN 'f' THEN 'functions' ELSE 'types' END AS things,
                               CASE d.defaclobjtype WHEN 'f' THEN 'EXECUTE' ELSE 'USAGE' END AS privilege) o
    WHERE d.defaclnamespace = 0 AND d.defaclobjtype IN ('f', 'T')
      AND NOT EXISTS (SELECT 1 FROM aclexplode(d.defaclacl) g WHERE g.grantee = 0)
) others
ORDER BY kind, name
