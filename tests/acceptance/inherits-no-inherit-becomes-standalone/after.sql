CREATE TABLE base (id int PRIMARY KEY, at date, CONSTRAINT b_pos CHECK (id > 0));
CREATE TABLE child (id int NOT NULL, at date, extra text, CONSTRAINT b_pos CHECK (id > 0));
