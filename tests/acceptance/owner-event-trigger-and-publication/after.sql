DO $$ BEGIN CREATE ROLE model_acc_super SUPERUSER NOLOGIN; EXCEPTION WHEN OTHERS THEN NULL; END $$;
DO $$ BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO model_acc_writer', current_database()); END $$;
CREATE TABLE t (a int);
CREATE FUNCTION audit() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE EVENT TRIGGER audit_ddl ON ddl_command_end EXECUTE FUNCTION audit();
ALTER EVENT TRIGGER audit_ddl OWNER TO model_acc_super;
CREATE PUBLICATION pub FOR TABLE t;
ALTER PUBLICATION pub OWNER TO model_acc_writer;
