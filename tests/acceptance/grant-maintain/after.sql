-- needs: PostgreSQL 17
CREATE TABLE t (a int); GRANT SELECT, MAINTAIN ON t TO model_acc_writer;
