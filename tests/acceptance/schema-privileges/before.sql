CREATE SCHEMA "Reports";
GRANT USAGE ON SCHEMA "Reports" TO model_acc_reader;
