CREATE TYPE level AS ENUM ('low', 'mid', 'high');
REVOKE USAGE ON TYPE level FROM PUBLIC;
GRANT USAGE ON TYPE level TO model_acc_reader;
CREATE TABLE t (l level);
