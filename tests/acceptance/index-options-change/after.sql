CREATE TABLE t (a int); CREATE INDEX t_a ON t (a) WITH (fillfactor = 90, deduplicate_items = off);
