CREATE TABLE e (a int, b text, c date) PARTITION BY RANGE (a, lower(b));
CREATE TABLE e1 PARTITION OF e FOR VALUES FROM (0, 'a') TO (10, 'm');
