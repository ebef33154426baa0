CREATE SCHEMA empty_one;
