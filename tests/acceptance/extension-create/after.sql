CREATE EXTENSION citext; CREATE TABLE t (e citext);
