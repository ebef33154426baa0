CREATE TABLE t (a int, b text); CREATE UNIQUE INDEX t_lower ON t (lower(b)) WHERE a > 0;
