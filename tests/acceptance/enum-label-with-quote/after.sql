CREATE TYPE q AS ENUM ('it''s', 'a "b"', '$$', '--x'); CREATE TABLE t (v q DEFAULT 'it''s');
