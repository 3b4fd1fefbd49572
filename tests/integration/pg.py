"""A private PostgreSQL 15 server for Python test suites (standard library only).

The same recipe as the C++ one (src/store/postgres/pg_test_server.hpp): `initdb` into a fresh
temporary folder, `pg_ctl start` on a free loopback port with the unix socket inside that folder and
durability off, wait until it accepts connections, create the database `hiresync`; `stop()` (or
leaving the `with` block) runs `pg_ctl stop -m fast` and removes the folder. No system service.

initdb refuses root: as root, every server command runs as the `postgres` account through
`runuser -u postgres --`, and the folder is handed to that account.

Binaries: $HIRESYNC_PG_BIN, else /usr/lib/postgresql/15/bin. When they are missing, start() raises
RuntimeError saying so: a suite must fail, never skip, without PostgreSQL
(`scripts/install-deps.sh test` installs it).

    with PostgresServer() as pg:
        run([hiresync, "migrate", "--db", pg.uri()])
        pg.create_database("hs_1")         # a fresh database on the same server
        pg.query("SELECT 1 + :'n'", database="hs_1", n=1)   # [(2,)]: psql, values quoted by psql
"""

import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile

DEFAULT_BIN = "/usr/lib/postgresql/15/bin"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self, database="hiresync"):
        self.bin = os.environ.get("HIRESYNC_PG_BIN") or DEFAULT_BIN
        self.database = database
        self.dir = None
        self.port = None
        self._as_postgres = os.geteuid() == 0
        self._started = False

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def uri(self, database=None):
        return "postgresql://postgres@127.0.0.1:%d/%s" % (self.port, database or self.database)

    def _run(self, tool, *args):
        argv = [os.path.join(self.bin, tool), *args]
        if self._as_postgres:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        with open(os.path.join(self.dir, tool + ".log"), "ab") as log:
            return subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                  timeout=120).returncode

    def _log(self, name):
        try:
            with open(os.path.join(self.dir, name), encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def start(self):
        for tool in ("initdb", "pg_ctl", "createdb", "psql"):
            if not os.access(os.path.join(self.bin, tool), os.X_OK):
                raise RuntimeError("PostgreSQL 15 is not installed: no %s in %s (run "
                                   "scripts/install-deps.sh test, or set HIRESYNC_PG_BIN)" % (tool, self.bin))
        self.dir = tempfile.mkdtemp(prefix="hiresync-pg-")
        sock = os.path.join(self.dir, "sock")
        os.mkdir(sock)
        if self._as_postgres:
            pw = pwd.getpwnam("postgres")
            for p in (self.dir, sock):
                os.chown(p, pw.pw_uid, pw.pw_gid)
        data = os.path.join(self.dir, "data")
        if self._run("initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C",
                     "--no-sync") != 0:
            raise RuntimeError("initdb failed:\n" + self._log("initdb.log"))
        for _ in range(3):  # the port is free when picked, not necessarily when used
            self.port = _free_port()
            options = ("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
                       " -c full_page_writes=off" % (self.port, sock))
            if self._run("pg_ctl", "start", "-D", data, "-l", os.path.join(self.dir, "server.log"), "-w",
                         "-t", "60", "-o", options) == 0:
                self._started = True
                break
        if not self._started:
            raise RuntimeError("pg_ctl start failed:\n" + self._log("server.log"))
        if self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                     self.database) != 0:
            raise RuntimeError("createdb failed:\n" + self._log("createdb.log"))
        return self

    def restart(self):
        """`pg_ctl restart -m fast`: every connection is cut, the server comes back on the same port."""
        if self._run("pg_ctl", "restart", "-D", os.path.join(self.dir, "data"), "-m", "fast", "-w", "-t", "60") != 0:
            raise RuntimeError("pg_ctl restart failed:\n" + self._log("pg_ctl.log"))

    def stop(self):
        if self._started:
            self._run("pg_ctl", "stop", "-D", os.path.join(self.dir, "data"), "-m", "fast", "-w")
            self._started = False
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    # --- statements through psql (standard library only: no driver) ------------------------------
    def psql(self, sql, database=None, **variables):
        """Runs `sql` (any number of statements, read from stdin so that psql substitutes the
        variables) in `database`; returns psql's unaligned, tuples-only output. Each keyword is a
        psql variable: write it as :'name' in the SQL and psql quotes it as a literal. Raises
        RuntimeError with psql's message when a statement fails."""
        argv = [os.path.join(self.bin, "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database or self.database]
        for name, value in variables.items():
            argv += ["-v", "%s=%s" % (name, value)]
        done = subprocess.run(argv, input=sql, capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError("psql failed (%d): %s\n%s" % (done.returncode, done.stderr.strip(), sql))
        return done.stdout

    def query(self, sql, database=None, **variables):
        """The rows of one query as a list of tuples, as sqlite3's fetchall() gives them: `sql` is
        wrapped in a json_agg, so no value can clash with a separator. Values have JSON's types
        (numbers, text, null; a json/jsonb column would come back as a tuple of its values: the
        schema keeps JSON in TEXT columns, as on SQLite)."""
        wrapped = "SELECT coalesce(json_agg(q), '[]') FROM (%s) q;" % sql.rstrip().rstrip(";")
        out = self.psql(wrapped, database, **variables).strip()
        # Each row is an object in column order; duplicate column names are kept.
        return json.loads(out or "[]", object_pairs_hook=lambda pairs: tuple(v for _, v in pairs))

    def create_database(self, name):
        self.psql('CREATE DATABASE "%s";' % name, database="postgres")

    def drop_database(self, name):
        self.psql('DROP DATABASE IF EXISTS "%s" WITH (FORCE);' % name, database="postgres")
