CREATE TABLE z_orders (id int PRIMARY KEY, total numeric);
CREATE FUNCTION a_big_orders() RETURNS SETOF z_orders LANGUAGE sql STABLE AS 'SELECT * FROM z_orders WHERE total > 100';
CREATE FUNCTION a_order_total(o z_orders) RETURNS numeric LANGUAGE sql IMMUTABLE AS 'SELECT o.total';
