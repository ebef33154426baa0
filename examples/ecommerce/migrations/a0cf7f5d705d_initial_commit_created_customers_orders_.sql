-- Initial commit: created customers, orders and products tables.
--
-- Revision ID: a0cf7f5d705d
-- Revises: 
-- Create Date: 2026-11-24 07:41:45

-- migrate:upgrade
CREATE TABLE public.customers (
    customer_id integer GENERATED ALWAYS AS IDENTITY NOT NULL,
    first_name character varying NOT NULL,
    last_name character varying NOT NULL,
    email_address character varying NOT NULL,
    CONSTRAINT customers_pkey PRIMARY KEY (customer_id)
);

CREATE TABLE public.orders (
    order_id integer GENERATED ALWAYS AS IDENTITY NOT NULL,
    customer_id integer NOT NULL,
    order_date timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT orders_pkey PRIMARY KEY (order_id),
    CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES public.customers (customer_id) ON DELETE CASCADE
);

CREATE TABLE public.products (
    product_id integer GENERATED ALWAYS AS IDENTITY NOT NULL,
    product_name character varying NOT NULL,
    description text,
    price double precision NOT NULL,
    CONSTRAINT products_pkey PRIMARY KEY (product_id)
);

-- migrate:downgrade
-- DESTRUCTIVE: drops table products and all its rows
DROP TABLE public.products;

-- DESTRUCTIVE: drops table orders and all its rows
DROP TABLE public.orders;

-- DESTRUCTIVE: drops table customers and all its rows
DROP TABLE public.customers;
