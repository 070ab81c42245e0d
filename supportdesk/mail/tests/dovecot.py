"""A real IMAP server for the tests: Dovecot from Debian (``apt-get install dovecot-imapd``),
started on 127.0.0.1 on a free port as an unprivileged process with its own configuration in
a temporary folder (users in a passwd-file, Maildir mail in the same folder). It offers
plain IMAP with STARTTLS on ``port`` and implicit TLS on ``tls_port``, with a self-signed
certificate for 127.0.0.1 made here (``cert_path``: trust it to connect with TLS).

Run as root (CI), it runs as ``nobody``; otherwise as the current user. Nothing of the
system's Dovecot (``/etc/dovecot``, the system service) is used or touched.
"""

from __future__ import annotations

import contextlib
import datetime
import grp
import ipaddress
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = {uid}
mail_location = maildir:{root}/mail/%u
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
"""


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or next(
        (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if os.path.exists(p)),
        None)


def _self_signed(cert_path: Path, key_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Dovecot:
    host = "127.0.0.1"
    ACCOUNTS = 100

    def __init__(self, binary: str):
        self.binary = binary
        self.root = Path(tempfile.mkdtemp(prefix="sd-dovecot-"))
        self.port = _free_port()
        self.tls_port = _free_port()
        while self.tls_port == self.port:
            self.tls_port = _free_port()
        self.cert_path = self.root / "cert.pem"
        if os.geteuid() == 0:
            entry = pwd.getpwnam("nobody")
            self.user, self.uid, self.gid = "nobody", entry.pw_uid, entry.pw_gid
        else:
            entry = pwd.getpwuid(os.geteuid())
            self.user, self.uid, self.gid = entry.pw_name, entry.pw_uid, entry.pw_gid
        self.group = grp.getgrgid(self.gid).gr_name
        self.process: subprocess.Popen | None = None
        self._free = [(f"box{n}@test.example", f"pw-{n}-{os.urandom(4).hex()}")
                      for n in range(1, self.ACCOUNTS + 1)]

    def start(self) -> Dovecot:
        for sub in ("run", "state", "mail"):
            (self.root / sub).mkdir()
        (self.root / "passwd").write_text(
            "".join(f"{user}:{{PLAIN}}{password}\n" for user, password in self._free))
        (self.root / "dovecot.conf").write_text(CONFIG.format(
            root=self.root, user=self.user, group=self.group, uid=self.uid, gid=self.gid,
            port=self.port, tls_port=self.tls_port))
        _self_signed(self.cert_path, self.root / "key.pem")
        if os.geteuid() == 0:
            for path in [self.root, *self.root.rglob("*")]:
                os.chown(path, self.uid, self.gid)
        kwargs = ({"user": self.uid, "group": self.gid, "extra_groups": []}
                  if os.geteuid() == 0 else {})
        self.process = subprocess.Popen(
            [self.binary, "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.DEVNULL, stderr=(self.root / "stderr.txt").open("wb"),
            start_new_session=True, **kwargs)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.log()}")
            with contextlib.suppress(OSError), socket.create_connection(
                    (self.host, self.port), timeout=1) as conn:
                if conn.recv(100).startswith(b"* OK"):
                    return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"dovecot did not answer on {self.port}: {self.log()}")

    def log(self) -> str:
        parts = []
        for name in ("stderr.txt", "dovecot.log"):
            path = self.root / name
            if path.exists():
                parts.append(path.read_text(errors="replace")[-3000:])
        return "\n".join(parts)

    def account(self) -> tuple[str, str]:
        """A fresh (user, password) of the passwd-file, with an empty Maildir of its own.

        The users are written before the server starts (a passwd-file changed within the
        second Dovecot last read it may not be read again).
        """
        if not self._free:
            raise RuntimeError("no test IMAP account left: raise ACCOUNTS")
        return self._free.pop(0)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None
        shutil.rmtree(self.root, ignore_errors=True)
