CREATE TABLE t (a int); CREATE TABLE log (a int);
