CREATE TABLE t (b text); CREATE INDEX t_b ON t (b COLLATE "C" varchar_pattern_ops DESC);
