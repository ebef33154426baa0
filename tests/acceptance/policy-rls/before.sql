CREATE TABLE t (owner text, a int);
