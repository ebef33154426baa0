CREATE TABLE t (a int) WITH (fillfactor = 80);
