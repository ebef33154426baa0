CREATE TABLE t (id serial, n integer);
