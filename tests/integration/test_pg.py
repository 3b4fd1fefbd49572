"""The Python PostgreSQL harness (pg.py) works: a server starts, `hiresync migrate` applies the
schema to it once, and stopping removes every trace."""

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

    def test_missing_binaries_fail_loudly(self):
        os.environ["HIRESYNC_PG_BIN"] = "/nonexistent"
        try:
            with self.assertRaisesRegex(RuntimeError, "PostgreSQL 15 is not installed"):
                PostgresServer().start()
        finally:
            del os.environ["HIRESYNC_PG_BIN"]


if __name__ == "__main__":
    unittest.main()
