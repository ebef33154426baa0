-- needs: PostgreSQL 15
CREATE TABLE t (a int, b int, UNIQUE NULLS NOT DISTINCT (a, b));
