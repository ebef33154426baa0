CREATE AGGREGATE ag(int) (SFUNC = int4pl, STYPE = int);
