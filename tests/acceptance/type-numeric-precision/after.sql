CREATE TABLE t (a numeric(12,4));
