CREATE TYPE status AS ENUM ('new', 'paid', 'void');
CREATE TABLE orders (id int, s status);
CREATE INDEX orders_new ON orders (id) WHERE s = 'new';
