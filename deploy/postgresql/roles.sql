-- deploy/postgresql/roles.sql — the database and its three roles for a hosted eczane.
-- Run once as the superuser, with the passwords given as psql variables:
--
--   sudo -u postgres psql -v ON_ERROR_STOP=1 \
--        -v owner_pw=… -v app_pw=… -v backup_pw=… -f deploy/postgresql/roles.sql
--
-- eczane_owner   owns the database and every table; runs the migrations
--                (eczane-migrate.service, /etc/eczane/owner.env). Row-level security is
--                FORCEd on the pharmacy tables, so even the owner reads a pharmacy's rows only
--                while acting for it.
-- eczane_app     what `eczane serve`, `eczane worker` and `eczane backup` connect as
--                (/etc/eczane/eczane.env): no superuser, no BYPASSRLS, owns nothing, so the
--                row-level-security policies hold for it; reads and writes rows, creates
--                nothing. eczane.store.rls.create_app_role grants the same and can be run
--                again after a migration made by another role.
-- eczane_backup  pg_dump of the whole database (eczane-backup.sh): reads everything
--                (pg_read_all_data, BYPASSRLS), writes nothing.
\set ON_ERROR_STOP on

CREATE ROLE eczane_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'owner_pw';
CREATE ROLE eczane_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOINHERIT
    PASSWORD :'app_pw';
CREATE ROLE eczane_backup LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE BYPASSRLS
    PASSWORD :'backup_pw' IN ROLE pg_read_all_data;

CREATE DATABASE eczane OWNER eczane_owner ENCODING 'UTF8' LC_COLLATE 'C.UTF-8'
    LC_CTYPE 'C.UTF-8' TEMPLATE template0;
REVOKE ALL ON DATABASE eczane FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE eczane TO eczane_app;
GRANT CONNECT ON DATABASE eczane TO eczane_backup;

\connect eczane
-- Only the owner creates objects in the schema (PostgreSQL 15 default, said explicitly).
ALTER SCHEMA public OWNER TO eczane_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO eczane_app;
-- Every table and sequence the owner's migrations create: rows for the app, never DDL.
ALTER DEFAULT PRIVILEGES FOR ROLE eczane_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO eczane_app;
ALTER DEFAULT PRIVILEGES FOR ROLE eczane_owner IN SCHEMA public
    GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO eczane_app;
