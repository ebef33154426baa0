-- needs: PostgreSQL 15
CREATE TABLE a (t int, id int, PRIMARY KEY (t, id)); CREATE TABLE p (id int PRIMARY KEY, t int NOT NULL, a int, FOREIGN KEY (t, a) REFERENCES a (t, id) ON DELETE SET NULL (a));
