CREATE TABLE t (a int, b int); GRANT SELECT, INSERT ON t TO model_acc_reader; GRANT SELECT (a) ON t TO model_acc_reader;
