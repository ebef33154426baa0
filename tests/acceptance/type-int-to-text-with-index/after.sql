CREATE TABLE t (a text); CREATE INDEX t_a ON t (a);
