CREATE TABLE t (a bigint[], b text[][] DEFAULT '{}');
