CREATE TABLE items (id integer PRIMARY KEY, sku text NOT NULL, qty integer CONSTRAINT items_qty_check CHECK (qty >= 0));
CREATE INDEX items_lower_sku_idx ON items (lower(sku)) WHERE qty > 0;
CREATE TABLE parts (id integer, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE parts_2026 PARTITION OF parts FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE INDEX parts_at_idx ON parts (at);
ALTER INDEX parts_2026_at_idx RENAME TO parts_2026_at_key_idx;
