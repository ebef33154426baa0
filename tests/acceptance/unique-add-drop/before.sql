CREATE TABLE t (a int UNIQUE, b int);
