CREATE TABLE t (a timestamptz DEFAULT clock_timestamp());
