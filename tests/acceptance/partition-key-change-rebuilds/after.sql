CREATE TABLE m (id int, at date) PARTITION BY LIST (id);
