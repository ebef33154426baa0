CREATE TABLE t (x numeric);
