-- needs: PostgreSQL 15
CREATE TABLE t (a int PRIMARY KEY, b text); CREATE TABLE log (a int);
CREATE PUBLICATION p1 FOR TABLE t (a, b) WHERE (a > 5) WITH (publish = 'insert, update');
CREATE PUBLICATION p2 FOR TABLES IN SCHEMA public;
CREATE PUBLICATION p3 FOR ALL TABLES WITH (publish_via_partition_root = true);
