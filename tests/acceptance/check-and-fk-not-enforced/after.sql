-- needs: PostgreSQL 18
CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE c (id int, p int REFERENCES p NOT ENFORCED, n int CHECK (n > 0) NOT ENFORCED);
