CREATE TABLE t (id serial, a int);
