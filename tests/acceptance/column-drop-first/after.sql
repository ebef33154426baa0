CREATE TABLE t (b text, c date);
