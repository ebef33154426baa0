CREATE TABLE base (id int, at date); CREATE TABLE child (extra text) INHERITS (base);
