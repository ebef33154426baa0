CREATE TYPE s AS ENUM ('a', 'b'); CREATE TABLE t (x s);
