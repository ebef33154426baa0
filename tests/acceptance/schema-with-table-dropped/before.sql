CREATE SCHEMA gone; CREATE TABLE gone.t (a int); COMMENT ON SCHEMA gone IS 'bye';
