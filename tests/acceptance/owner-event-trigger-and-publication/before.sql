-- Roles are the cluster's: made here if missing (an event trigger's owner must be a superuser,
-- a publication's may create in the database).
DO $$ BEGIN CREATE ROLE model_acc_super SUPERUSER NOLOGIN; EXCEPTION WHEN OTHERS THEN NULL; END $$;
DO $$ BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO model_acc_writer', current_database()); END $$;
CREATE TABLE t (a int);
CREATE FUNCTION audit() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE EVENT TRIGGER audit_ddl ON ddl_command_end EXECUTE FUNCTION audit();
CREATE PUBLICATION pub FOR TABLE t;
