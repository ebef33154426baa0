CREATE FUNCTION on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$; CREATE EVENT TRIGGER log_ddl ON ddl_command_end EXECUTE FUNCTION on_ddl();
