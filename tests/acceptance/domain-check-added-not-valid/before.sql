CREATE DOMAIN positive AS integer;
CREATE TABLE t (x positive);
