CREATE SCHEMA lib; CREATE TYPE lib.color AS ENUM ('red', 'green'); CREATE TABLE t (c lib.color DEFAULT 'red');
