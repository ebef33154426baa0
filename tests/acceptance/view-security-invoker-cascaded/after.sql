-- needs: PostgreSQL 15
CREATE TABLE t (a int); CREATE VIEW v WITH (security_invoker = true) AS SELECT a FROM t WHERE a > 0 WITH CASCADED CHECK OPTION;
