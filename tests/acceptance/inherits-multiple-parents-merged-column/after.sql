CREATE TABLE base (id int PRIMARY KEY, at date, CONSTRAINT b_pos CHECK (id > 0));
CREATE TABLE tag (label text);
CREATE TABLE child (extra text, id int) INHERITS (base, tag);
