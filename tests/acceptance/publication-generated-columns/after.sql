-- needs: PostgreSQL 18
CREATE TABLE t (a int, g int GENERATED ALWAYS AS (a * 2) STORED); CREATE PUBLICATION p FOR TABLE t WITH (publish_generated_columns = stored);
