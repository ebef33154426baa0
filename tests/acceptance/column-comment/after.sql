CREATE TABLE t (a int); COMMENT ON TABLE t IS 'a table'; COMMENT ON COLUMN t.a IS 'new';
