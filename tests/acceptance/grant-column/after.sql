CREATE TABLE t (a int, b int); GRANT SELECT (a), UPDATE (b) ON t TO PUBLIC;
