CREATE TABLE t (a numeric DEFAULT 0);
