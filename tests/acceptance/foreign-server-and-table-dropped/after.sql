CREATE TABLE local (id int);
