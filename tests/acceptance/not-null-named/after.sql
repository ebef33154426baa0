-- needs: PostgreSQL 18
CREATE TABLE t (a int CONSTRAINT t_a_required NOT NULL, b int NOT NULL, c int CONSTRAINT c_present NOT NULL);
