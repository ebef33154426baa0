CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE c (id int, p int REFERENCES p, n int CHECK (n > 0));
