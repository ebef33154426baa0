CREATE TABLE t (owner text, a int);
ALTER TABLE t ENABLE ROW LEVEL SECURITY;
CREATE POLICY p ON t USING (owner = current_user);
