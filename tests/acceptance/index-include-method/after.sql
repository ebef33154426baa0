CREATE TABLE t (a int, b text, j jsonb); CREATE INDEX t_a ON t (a) INCLUDE (b); CREATE INDEX t_j ON t USING gin (j jsonb_path_ops); CREATE INDEX t_h ON t USING hash (b);
