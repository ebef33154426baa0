CREATE TABLE t (a bigint, b varchar(40));
