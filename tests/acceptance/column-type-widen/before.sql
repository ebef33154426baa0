CREATE TABLE t (a int, b varchar(10));
