CREATE TYPE s AS ENUM ('a', 'b'); CREATE TABLE t (x text DEFAULT 'a');
