CREATE DOMAIN price AS numeric(10,2) DEFAULT 1 CONSTRAINT price_positive CHECK (VALUE > 0) CONSTRAINT price_small CHECK (VALUE < 1000);
CREATE TABLE items (id integer PRIMARY KEY, cost price, sale price NOT NULL);
CREATE INDEX items_cost_idx ON items (cost) WHERE cost > 10;
