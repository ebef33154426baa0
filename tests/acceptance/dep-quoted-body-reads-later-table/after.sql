CREATE TABLE z_items (id int PRIMARY KEY);
CREATE FUNCTION a_count() RETURNS bigint LANGUAGE plpgsql STABLE AS $$ BEGIN RETURN (SELECT count(*) FROM z_items); END $$;
