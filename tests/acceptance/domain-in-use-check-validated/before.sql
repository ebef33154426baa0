CREATE DOMAIN code AS text;
ALTER DOMAIN code ADD CONSTRAINT code_short CHECK (length(VALUE) < 10) NOT VALID;
CREATE TABLE things (c code);
