CREATE TABLE t (a int, b text); CREATE VIEW v AS SELECT a, b FROM t;
