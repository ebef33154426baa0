CREATE TABLE t (a int, r int4range, p point, ts timestamptz);
