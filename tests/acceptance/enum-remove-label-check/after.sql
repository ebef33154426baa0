CREATE TYPE state AS ENUM ('new', 'open');
CREATE TABLE t (s state CONSTRAINT t_not_gone CHECK (s <> 'new'));
