CREATE TABLE t (a int); CREATE VIEW v WITH (security_barrier) AS SELECT a FROM t WHERE a > 0;
