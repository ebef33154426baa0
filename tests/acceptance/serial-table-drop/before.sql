CREATE TABLE t (id serial PRIMARY KEY); CREATE TABLE u (a int);
