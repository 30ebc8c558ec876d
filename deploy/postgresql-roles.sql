-- eparticipation's PostgreSQL roles (README, "Database roles"): an owner that runs the migrations and owns
-- every table, and the application's role that owns nothing, so it cannot ALTER a table, switch the audit
-- triggers off or drop them; it reads and writes rows, and only reads and adds to the audit tables.
--
-- Run it as a superuser in the application's database, before the first migration and again after every
-- upgrade (it adds what is missing and takes away what the application must not have):
--
--   psql -h <host> -U postgres -d eparticipation -v owner=eparticipation_owner -v app=eparticipation \
--        -f deploy/postgresql-roles.sql
--
-- The roles are created with LOGIN and no password; give them one (\password in psql) or a client
-- certificate as pg_hba.conf requires. Migrations connect as the owner, the web and worker processes as app.

\set ON_ERROR_STOP on

\if :{?owner}
\else
  DO $$ BEGIN RAISE EXCEPTION 'name the roles: psql -v owner=<migrations'' role> -v app=<application''s role>'; END $$;
\endif
\if :{?app}
\else
  DO $$ BEGIN RAISE EXCEPTION 'name the roles: psql -v owner=<migrations'' role> -v app=<application''s role>'; END $$;
\endif

SELECT format('CREATE ROLE %I LOGIN', :'owner') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I LOGIN', :'app') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app') \gexec
-- Neither is more than a plain user: no superuser, no new roles or databases, no bypassing row security.
ALTER ROLE :"owner" NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION;
ALTER ROLE :"app" NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION;

-- Whatever the application's role owns here (a site migrated as the application before) becomes the owner's.
REASSIGN OWNED BY :"app" TO :"owner";
-- Tables, sequences and functions of the schema that someone else created (a superuser who ran the
-- migrations) become the owner's too, so that the next migration can change them.
SELECT format('ALTER TABLE public.%I OWNER TO %I', c.relname, :'owner') FROM pg_class c
 WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
   AND pg_get_userbyid(c.relowner) <> :'owner'
   AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e') \gexec
SELECT format('ALTER SEQUENCE public.%I OWNER TO %I', sequencename, :'owner') FROM pg_sequences
 WHERE schemaname = 'public' AND sequenceowner <> :'owner' \gexec
SELECT format('ALTER FUNCTION public.%I(%s) OWNER TO %I', p.proname, pg_get_function_identity_arguments(p.oid), :'owner')
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> :'owner'
   AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') \gexec

-- The search index (eparticipation/search.py, migration search01) is pg_trgm's: the owner may not create an
-- extension in this database, so it is created here, before the migrations need it.
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;

GRANT CONNECT ON DATABASE :"DBNAME" TO :"owner", :"app";
-- The owner creates the schema's objects; the application uses them and creates none.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO :"owner";
GRANT USAGE ON SCHEMA public TO :"app";
REVOKE CREATE ON SCHEMA public FROM :"app";

-- Rows: what the application needs, on the tables there are and on those later migrations create.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app";
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT USAGE ON SEQUENCES TO :"app";
REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM :"app";

-- The audit log, its checkpoints and the points ledger are append-only: the application reads them and adds to
-- them. (Their triggers refuse UPDATE and DELETE to everyone; only an owner could switch them off.)
SELECT format('REVOKE UPDATE, DELETE, TRUNCATE ON public.%I FROM %I', tablename, :'app') FROM pg_tables
 WHERE schemaname = 'public' AND tablename IN ('audit_log', 'audit_checkpoints', 'points_ledger') \gexec
-- The migrations' bookkeeping is the owner's; the application only reads it (is the schema at head?).
SELECT format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON public.%I FROM %I', tablename, :'app') FROM pg_tables
 WHERE schemaname = 'public' AND tablename = 'alembic_version' \gexec

-- What the application's role owns in this database and the cluster: nothing, or this script failed.
SELECT count(*) > 0 AS app_owns_tables FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = :'app') \gset
\if :app_owns_tables
  DO $$ BEGIN RAISE EXCEPTION 'the application''s role still owns tables'; END $$;
\endif
