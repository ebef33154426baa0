CREATE TABLE t (x integer);
CREATE TABLE t_log (x integer);
CREATE RULE t_log_insert AS ON INSERT TO t DO ALSO INSERT INTO t_log VALUES (NEW.x);
