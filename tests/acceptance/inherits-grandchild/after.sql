CREATE TABLE base (id int PRIMARY KEY, at date, CONSTRAINT b_pos CHECK (id > 0));
CREATE TABLE child (extra text) INHERITS (base);
CREATE TABLE gc () INHERITS (child);
