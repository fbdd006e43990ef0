"""A real SMTP server in a process of its own (aiosmtpd writing to a Maildir), for fault tests that stop it."""
import mailbox
from email.header import decode_header, make_header
import signal
import socket
import subprocess
import sys
import time


class SmtpProcess:
    """`python -m aiosmtpd` on 127.0.0.1:`port`, delivering into `maildir`; stopped by its own PID."""

    def __init__(self, port, maildir, log_path):
        self.port, self.maildir, self.log_path = port, str(maildir), log_path
        self.process = None

    def start(self, seconds=15):
        self.log = open(self.log_path, "a")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.port}",
             "-c", "aiosmtpd.handlers.Mailbox", self.maildir],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"aiosmtpd exited: {open(self.log_path).read()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                    if conn.recv(3) == b"220":
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("aiosmtpd did not answer")

    def stop(self, sig=signal.SIGKILL):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=10)
        self.process = None
        self.log.close()

    def messages(self):
        """(To header, Subject header, body) of each message delivered so far."""
        box = mailbox.Maildir(self.maildir, create=True)
        found = []
        for message in box:
            body = message.get_payload(decode=True).decode("utf-8")
            found.append((message["To"], str(make_header(decode_header(message["Subject"]))), body))
        return found
