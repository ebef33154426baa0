CREATE DOMAIN positive AS integer;
ALTER DOMAIN positive ADD CONSTRAINT positive_check CHECK (VALUE > 0) NOT VALID;
CREATE TABLE t (x positive);
