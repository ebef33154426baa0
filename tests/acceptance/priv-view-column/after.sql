CREATE TABLE t (a int, b int); CREATE VIEW v AS SELECT a, b FROM t; GRANT SELECT (a) ON v TO model_acc_reader; GRANT SELECT ON v TO model_acc_writer;
