CREATE TABLE t (a text DEFAULT 'x'';DROP TABLE t;--');
COMMENT ON COLUMN t.a IS 'line one
line two -- not a comment end; $$';
