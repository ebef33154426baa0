CREATE TYPE s AS ENUM ('c', 'b', 'a'); CREATE TABLE t (x s);
