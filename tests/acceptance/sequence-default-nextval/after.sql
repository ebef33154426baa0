CREATE SEQUENCE s; CREATE TABLE t (a int DEFAULT nextval('s'));
