CREATE SCHEMA stats;
CREATE TABLE public.orders (id int PRIMARY KEY, region text, city text, zip text, email text);
CREATE TABLE stats.visits (id int, day date, hour int);
