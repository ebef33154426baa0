CREATE TABLE t (a int PRIMARY KEY, b text); CREATE TABLE log (a int);
CREATE PUBLICATION p1 FOR TABLE t, log WITH (publish = 'insert');
