CREATE TABLE t (z int, a text, m date, b uuid);
