-- The column the statistics covered is dropped; they go first, and come back after it on the
-- way down. Kinds and columns cannot be altered: those are recreated; target and comment are
-- altered in place.
CREATE TABLE orders (id int PRIMARY KEY, region text, city text, zip text);
CREATE STATISTICS kinds_change (ndistinct, mcv) ON region, city FROM orders;
CREATE STATISTICS columns_change ON region, (upper(zip)) FROM orders;
CREATE STATISTICS target_change ON city, zip FROM orders;
CREATE STATISTICS comment_change ON region, city, zip FROM orders;
COMMENT ON STATISTICS comment_change IS 'after: it''s changed';
CREATE STATISTICS added ON id, zip FROM orders;
