CREATE TABLE t (a int, b boolean NOT NULL DEFAULT false);
