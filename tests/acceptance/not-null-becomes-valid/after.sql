-- needs: PostgreSQL 18
CREATE TABLE t (a int CONSTRAINT t_a_nn NOT NULL);
