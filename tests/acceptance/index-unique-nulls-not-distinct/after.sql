-- needs: PostgreSQL 15
CREATE TABLE t (a int, b int); CREATE UNIQUE INDEX t_ab ON t (a, b) NULLS NOT DISTINCT;
