CREATE DOMAIN code AS text CONSTRAINT code_short CHECK (length(VALUE) < 10);
CREATE TABLE things (c code);
