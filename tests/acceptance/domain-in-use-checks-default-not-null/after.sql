CREATE DOMAIN price AS numeric(10,2) DEFAULT 5 NOT NULL CONSTRAINT price_positive CHECK (VALUE >= 0);
ALTER DOMAIN price ADD CONSTRAINT price_capped CHECK (VALUE < 100000) NOT VALID;
CREATE TABLE items (id integer PRIMARY KEY, cost price, sale price NOT NULL);
CREATE INDEX items_cost_idx ON items (cost) WHERE cost > 10;
