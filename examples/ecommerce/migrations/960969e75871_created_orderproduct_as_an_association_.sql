-- Created OrderProduct as an association table to track Order-Product association.
--
-- Revision ID: 960969e75871
-- Revises: a0cf7f5d705d
-- Create Date: 2026-11-24 07:41:51

-- migrate:upgrade
CREATE TABLE public.order_products (
    order_id integer NOT NULL,
    product_id integer NOT NULL,
    product_count integer DEFAULT 1 NOT NULL,
    CONSTRAINT order_products_pkey PRIMARY KEY (order_id, product_id),
    CONSTRAINT order_products_order_id_fkey FOREIGN KEY (order_id) REFERENCES public.orders (order_id) ON DELETE CASCADE,
    CONSTRAINT order_products_product_id_fkey FOREIGN KEY (product_id) REFERENCES public.products (product_id) ON DELETE CASCADE
);

-- migrate:downgrade
-- DESTRUCTIVE: drops table order_products and all its rows
DROP TABLE public.order_products;
