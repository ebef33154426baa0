CREATE TABLE m (id int NOT NULL, at date NOT NULL, note text, CONSTRAINT m_pk PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE m_2024 (id int NOT NULL, at date NOT NULL, note text, CONSTRAINT m_2024_pkey PRIMARY KEY (id, at));
