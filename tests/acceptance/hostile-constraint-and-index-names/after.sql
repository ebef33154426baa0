CREATE TABLE t (a int CONSTRAINT "a > 0; DROP" CHECK (a > 0), b int CONSTRAINT "B Unique" UNIQUE);
CREATE INDEX "idx ""quoted"" $$" ON t (b) WHERE b > 0;
