CREATE TABLE t (a int, b text); CREATE VIEW v AS SELECT a FROM t WHERE a > 1;
