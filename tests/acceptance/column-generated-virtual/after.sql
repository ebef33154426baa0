-- needs: PostgreSQL 18
CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a * 2) VIRTUAL, c int GENERATED ALWAYS AS (a + 1) VIRTUAL);
