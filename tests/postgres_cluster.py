"""A throwaway PostgreSQL 15 cluster of a test's own (initdb on a free loopback port in a temporary folder).

For tests that must stop the database for real or need an empty one: never the shared server.
pg_ctl stops the server by the PID in the cluster's own postmaster.pid.
"""
import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager

from tests.conftest import free_port

PG_BIN = "/usr/lib/postgresql/15/bin"
AS_POSTGRES = ["runuser", "-u", "postgres", "--"]


class Cluster:
    def __init__(self, directory):
        self.directory = directory
        self.data = os.path.join(directory, "data")
        self.port = free_port()

    def _pg_ctl(self, *args, check=True):
        return subprocess.run([*AS_POSTGRES, f"{PG_BIN}/pg_ctl", "-D", self.data, "-w", "-t", "30", *args],
                              check=check, capture_output=True, timeout=60)

    def start(self):
        self._pg_ctl("-l", os.path.join(self.directory, "log"), "-o",
                     f"-c listen_addresses=127.0.0.1 -c port={self.port} "
                     f"-c unix_socket_directories={self.directory} -c fsync=off", "start")

    def stop(self, mode="fast", check=True):
        """`immediate` is a crash as the clients see it: connections cut, no shutdown handshake."""
        self._pg_ctl("-m", mode, "stop", check=check)

    def create_database(self, name):
        """A new empty database; returns its SQLAlchemy URL."""
        subprocess.run([*AS_POSTGRES, f"{PG_BIN}/createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U",
                        "postgres", name], check=True, capture_output=True, timeout=30)
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"


@contextmanager
def throwaway_cluster(prefix="kundweb-pg-"):
    """A running cluster, removed afterwards with its folder."""
    directory = tempfile.mkdtemp(prefix=prefix)
    os.chmod(directory, 0o755)
    shutil.chown(directory, "postgres")
    cluster = Cluster(directory)
    try:
        subprocess.run([*AS_POSTGRES, f"{PG_BIN}/initdb", "-D", cluster.data, "-U", "postgres", "-A", "trust",
                        "-E", "UTF8", "--locale=C.UTF-8"], check=True, capture_output=True, timeout=60)
        cluster.start()
        yield cluster
    finally:
        cluster.stop(check=False)
        shutil.rmtree(directory, ignore_errors=True)
