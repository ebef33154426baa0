CREATE TABLE t (a int, b text); CREATE VIEW v AS SELECT b FROM t;
