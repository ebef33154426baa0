CREATE TABLE t (a boolean);
