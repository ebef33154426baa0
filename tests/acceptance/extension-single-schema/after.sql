CREATE EXTENSION citext;
CREATE TABLE t (x integer, email citext);
