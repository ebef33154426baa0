CREATE TABLE t (a varchar(20) DEFAULT 'x');
