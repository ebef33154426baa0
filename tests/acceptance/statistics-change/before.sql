CREATE TABLE orders (id int PRIMARY KEY, region text, city text, zip text, note text);
CREATE STATISTICS kinds_change (ndistinct) ON region, city FROM orders;
CREATE STATISTICS columns_change ON region, zip FROM orders;
CREATE STATISTICS target_change ON city, zip FROM orders;
ALTER STATISTICS target_change SET STATISTICS 300;
CREATE STATISTICS comment_change ON region, city, zip FROM orders;
COMMENT ON STATISTICS comment_change IS 'before';
CREATE STATISTICS on_dropped_column ON city, note FROM orders;
CREATE STATISTICS removed ON zip, note FROM orders;
