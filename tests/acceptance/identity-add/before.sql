CREATE TABLE t (id bigint NOT NULL);
