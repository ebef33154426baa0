CREATE TABLE tree (id int PRIMARY KEY, parent int REFERENCES tree);
