-- needs: PostgreSQL 18
CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a * 3) VIRTUAL, c text);
