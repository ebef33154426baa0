CREATE TABLE m (id int NOT NULL, at date NOT NULL, note text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE m_a PARTITION OF m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
COMMENT ON COLUMN m_a.note IS 'partition note';
COMMENT ON TABLE m_a IS 'the 2024 partition';
