CREATE TABLE t (a timestamptz);
