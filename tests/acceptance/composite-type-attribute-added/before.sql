CREATE TYPE pair AS (x int);
