CREATE TYPE s AS ENUM ('a', 'b', 'c'); CREATE TABLE t (x s);
