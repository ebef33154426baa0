CREATE DOMAIN z_qty AS int CHECK (VALUE >= 0);
CREATE TYPE y_line AS (item text, qty z_qty);
CREATE TABLE x_orders (id int, lines y_line[]);
CREATE MATERIALIZED VIEW a_lines AS SELECT id, (unnest(lines)).qty FROM x_orders;
CREATE FUNCTION a_first(o x_orders) RETURNS y_line LANGUAGE sql IMMUTABLE AS 'SELECT o.lines[1]';
