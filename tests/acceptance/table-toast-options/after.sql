CREATE TABLE t (a text) WITH (toast.autovacuum_enabled = false, toast_tuple_target = 256);
