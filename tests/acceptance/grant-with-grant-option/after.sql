CREATE TABLE t (a int);
GRANT SELECT ON t TO model_acc_reader WITH GRANT OPTION;
GRANT SELECT, UPDATE ON t TO model_acc_writer;
