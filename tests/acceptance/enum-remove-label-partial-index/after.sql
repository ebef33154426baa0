CREATE TYPE status AS ENUM ('new', 'paid');
CREATE TABLE orders (id int, s status);
CREATE INDEX orders_open ON orders (id) WHERE s <> 'paid';
