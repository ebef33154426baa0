CREATE TABLE t (a int, b int); GRANT SELECT (a, b), UPDATE (b) ON t TO model_acc_reader;
