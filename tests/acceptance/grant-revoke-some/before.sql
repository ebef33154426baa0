CREATE TABLE t (a int); GRANT SELECT, INSERT, UPDATE ON t TO model_acc_writer;
