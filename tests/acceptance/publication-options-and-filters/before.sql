CREATE TABLE t (a int PRIMARY KEY, b text); CREATE TABLE log (a int);
