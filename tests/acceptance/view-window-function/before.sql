CREATE TABLE scores (player text, points integer);
