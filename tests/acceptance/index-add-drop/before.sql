CREATE TABLE t (a int, b text); CREATE INDEX t_a ON t (a);
