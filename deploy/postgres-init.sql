-- The mock agencies keep their own database, apart from the product's.
CREATE DATABASE agencies;
