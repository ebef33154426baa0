CREATE TABLE m (id int NOT NULL, at date NOT NULL, note text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE m_a PARTITION OF m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE PUBLICATION pm FOR TABLE m WITH (publish_via_partition_root = true);
