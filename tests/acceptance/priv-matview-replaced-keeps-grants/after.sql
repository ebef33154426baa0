CREATE TABLE t (a int, b int); CREATE MATERIALIZED VIEW mv AS SELECT a, b FROM t; GRANT SELECT ON mv TO model_acc_reader; CREATE INDEX mv_a ON mv (a);
