CREATE TABLE wide (
  z int, y text, x date, w boolean, v numeric(5,1), u bytea, t uuid, s jsonb,
  r int[], q timestamptz, p interval, o inet, n text COLLATE "C", m bigint NOT NULL DEFAULT 0
);
