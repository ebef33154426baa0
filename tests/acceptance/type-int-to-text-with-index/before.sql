CREATE TABLE t (a int); CREATE INDEX t_a ON t (a);
