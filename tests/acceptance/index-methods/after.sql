CREATE TABLE t (a int, r int4range, p point, ts timestamptz);
CREATE INDEX t_r ON t USING gist (r);
CREATE INDEX t_p ON t USING spgist (p);
CREATE INDEX t_ts ON t USING brin (ts) WITH (pages_per_range = 32);
