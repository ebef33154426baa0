CREATE TABLE t (a int); GRANT SELECT ON t TO model_acc_writer;
