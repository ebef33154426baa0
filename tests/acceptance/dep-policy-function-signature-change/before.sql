CREATE TABLE t (owner text);
ALTER TABLE t ENABLE ROW LEVEL SECURITY;
CREATE FUNCTION can_see(who text) RETURNS boolean LANGUAGE sql STABLE AS 'SELECT who = current_user';
CREATE POLICY p ON t USING (can_see(owner));
