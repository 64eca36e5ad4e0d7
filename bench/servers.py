"""Helpers for benchmarks: a throwaway nginx (free ports and waiting come from tests/servers.py)."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.servers import free_port, wait_for

NGINX_CONF = """daemon off;
worker_processes auto;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fcgi;
  uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
  sendfile on;
  default_type text/html;
  server {{ listen 127.0.0.1:{port}; root {root}; }}
}}
"""


@contextmanager
def run_nginx(root: Path, tmp: Path) -> Iterator[str]:
    """nginx in the foreground on a free port with a temporary config; stopped on exit."""
    port = free_port()
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=tmp, port=port, root=root))
    binary = "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "nginx"
    proc = subprocess.Popen([binary, "-c", str(conf), "-p", str(tmp)], stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/")
        yield base
    finally:
        os.kill(proc.pid, signal.SIGQUIT)  # graceful stop of the master we started, and its workers
        proc.wait(timeout=30)
