CREATE SCHEMA stats;
CREATE TABLE public.orders (id int PRIMARY KEY, region text, city text, zip text, email text);
CREATE TABLE stats.visits (id int, day date, hour int);
-- Every kind (the default), some kinds, an expression alone, columns with expressions.
CREATE STATISTICS orders_place ON region, city, zip FROM public.orders;
CREATE STATISTICS orders_city_zip (dependencies, mcv) ON city, zip FROM public.orders;
CREATE STATISTICS orders_email_domain ON (lower(split_part(email, '@', 2))) FROM public.orders;
CREATE STATISTICS stats.visits_when (ndistinct) ON day, hour, (hour / 6) FROM stats.visits;
-- In another schema than its table, with a target and a comment.
CREATE STATISTICS stats.orders_region_email ON region, email FROM public.orders;
ALTER STATISTICS stats.orders_region_email SET STATISTICS 500;
COMMENT ON STATISTICS stats.orders_region_email IS 'region and email go together';
