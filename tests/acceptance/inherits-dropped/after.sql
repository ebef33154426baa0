CREATE TABLE base (id int PRIMARY KEY, at date, CONSTRAINT b_pos CHECK (id > 0));
