CREATE TABLE t (a text DEFAULT 'x');
