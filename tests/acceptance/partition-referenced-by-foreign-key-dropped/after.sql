CREATE TABLE r (id integer, at date);
