CREATE TYPE pair AS (x int, y int);
