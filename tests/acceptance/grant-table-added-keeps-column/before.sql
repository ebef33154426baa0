CREATE TABLE t (a int, b int); GRANT SELECT (a) ON t TO model_acc_reader;
