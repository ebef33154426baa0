CREATE TABLE t (owner text);
ALTER TABLE t ENABLE ROW LEVEL SECURITY;
CREATE FUNCTION can_see(person text) RETURNS boolean LANGUAGE sql STABLE AS 'SELECT person = current_user';
CREATE POLICY p ON t USING (can_see(owner));
