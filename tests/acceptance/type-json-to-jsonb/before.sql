CREATE TABLE t (a json);
