"""The Python PostgreSQL harness (pg.py) works: a server starts, `hiresync migrate` applies the
schema to it once, databases are made and dropped and queried through psql, and stopping removes
every trace."""

import os
import subprocess
import unittest

from pg import PostgresServer


class PostgresHarnessTest(unittest.TestCase):
    def test_migrate_on_a_private_server(self):
        hiresync = os.environ["HIRESYNC_BIN"]
        with PostgresServer() as pg:
            folder = pg.dir
            first = subprocess.run([hiresync, "migrate", "--db", pg.uri()], capture_output=True, text=True)
            self.assertEqual(first.returncode, 0, first.stderr)
            self.assertIn("applied 0001_people_and_projects.sql", first.stdout)
            second = subprocess.run([hiresync, "migrate", "--db", pg.uri()], capture_output=True, text=True)
            self.assertEqual(second.returncode, 0, second.stderr)
            self.assertIn("schema already current", second.stdout)
        self.assertFalse(os.path.exists(folder))

    def test_databases_and_queries_through_psql(self):
        with PostgresServer() as pg:
            pg.create_database("hs_1")
            pg.psql("CREATE TABLE t (a TEXT, n BIGINT);", database="hs_1")
            tricky = "it's | a\nline with :'v' and \\"
            pg.psql("INSERT INTO t VALUES (:'v', 7);", database="hs_1", v=tricky)
            self.assertEqual(pg.query("SELECT a, n, NULL AS z FROM t WHERE n = :'n'", database="hs_1", n=7),
                             [(tricky, 7, None)])
            self.assertEqual(pg.query("SELECT a FROM t WHERE false", database="hs_1"), [])
            with self.assertRaisesRegex(RuntimeError, "syntax error"):
                pg.psql("SELEC 1;", database="hs_1")
            pg.drop_database("hs_1")
            self.assertEqual(pg.query("SELECT datname FROM pg_database WHERE datname = 'hs_1'"), [])

    def test_missing_binaries_fail_loudly(self):
        os.environ["HIRESYNC_PG_BIN"] = "/nonexistent"
        try:
            with self.assertRaisesRegex(RuntimeError, "PostgreSQL 15 is not installed"):
                PostgresServer().start()
        finally:
            del os.environ["HIRESYNC_PG_BIN"]


if __name__ == "__main__":
    unittest.main()
