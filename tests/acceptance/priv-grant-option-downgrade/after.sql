CREATE TABLE t (a int); GRANT SELECT ON t TO model_acc_reader WITH GRANT OPTION; GRANT INSERT ON t TO model_acc_reader;
