"""The deployment kit of ``deploy/`` works as it is: each file is checked by the tool that
will read it when that tool is installed here (systemd-analyze, caddy, docker compose,
gunicorn), and by plain parsing otherwise; the environment template lists every setting
the production settings read; ``check --deploy`` is clean with that template's values."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
ENV_EXAMPLE = DEPLOY / "supportdesk.env.example"
SETTINGS = [ROOT / "config" / "settings" / name for name in ("base.py", "production.py")]
#: env("NAME", ...), env.bool("NAME", ...), env.db(\n "NAME" ...): the names settings read.
ENV_READ = re.compile(r"\benv(?:\.\w+)?\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']")
ENV_LINE = re.compile(r"^#?\s?([A-Z][A-Z0-9_]*)=(.*)$")


def env_example() -> dict[str, str]:
    """Every KEY=value of the template, commented (default shown) or not."""
    found = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = ENV_LINE.match(line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


def env_example_active() -> dict[str, str]:
    lines = ENV_EXAMPLE.read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def settings_read() -> set[str]:
    return {name for path in SETTINGS for name in ENV_READ.findall(path.read_text())}


def production_env(**overrides) -> dict[str, str]:
    """The template's values with real-looking secrets: what an operator ends up with."""
    inherited = {k: v for k, v in os.environ.items()
                 if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL"}
                 and not k.startswith(("DJANGO_", "SUPPORTDESK_", "CELERY_", "GUNICORN_"))}
    values = env_example_active()
    values["DJANGO_SECRET_KEY"] = "kZ3-" + "q8Vn2Lr7Tx0Wm5Hc1Pj9Bd6Fy4Gs" * 2
    values["MAIL_SECRET_KEY"] = "mail-" + "Aa1Bb2Cc3Dd4Ee5Ff6" * 2
    values["SUPPORTDESK_DATA_DIR"] = str(ROOT / "var" / "deploy-check")
    return {**inherited, **values, **overrides}


# ----------------------------------------------------------------------- the env template

def test_the_env_template_lists_every_setting_production_reads():
    read = settings_read()
    assert {"DATABASE_URL", "DJANGO_SECRET_KEY", "CELERY_BROKER_URL", "CACHE_URL",
            "EMAIL_HOST", "SUPPORTDESK_SITE_URL"} <= read  # the regex finds them at all
    missing = sorted(read - set(env_example()))
    assert not missing, f"deploy/supportdesk.env.example lacks {missing}"


def test_every_name_in_the_env_template_is_read_somewhere():
    # A misspelt name in the template would be silently ignored by the settings.
    readers = "\n".join(p.read_text() for p in [
        *SETTINGS, ROOT / "config" / "gunicorn.conf.py", *DEPLOY.glob("systemd/*.service")])
    unread = sorted(name for name in env_example()
                    if name != "DJANGO_SETTINGS_MODULE" and name not in readers)
    assert not unread, f"nothing reads {unread}"


def test_the_env_template_holds_no_real_secret():
    values = env_example_active()
    assert values["DJANGO_SECRET_KEY"].startswith("CHANGE-ME")
    assert values["MAIL_SECRET_KEY"].startswith("CHANGE-ME")
    assert "CHANGE-ME" in values["DATABASE_URL"]
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line and not line.startswith("#"):
            # systemd's EnvironmentFile and Compose's env_file read the same lines only
            # when there are no quotes and no spaces around "=".
            key, _, value = line.partition("=")
            assert re.fullmatch(r"[A-Z][A-Z0-9_]*", key), line
            assert not value.startswith(("'", '"')) and " " not in value, line


def run_check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.slow
def test_check_deploy_is_clean_with_the_env_template():
    result = run_check_deploy(production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.slow
def test_check_deploy_refuses_the_template_left_unchanged():
    # The CHANGE-ME secret is too short and too plain: the check fails until it is replaced.
    env = production_env(DJANGO_SECRET_KEY=env_example_active()["DJANGO_SECRET_KEY"])
    result = run_check_deploy(env)
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


# ----------------------------------------------------------------------- gunicorn

def test_gunicorn_config_is_valid_and_reads_the_environment():
    env = production_env(GUNICORN_WORKERS="3", GUNICORN_BIND="127.0.0.1:18999",
                         GUNICORN_TIMEOUT="41")
    result = subprocess.run(
        [str(Path(sys.executable).parent / "gunicorn"), "--config", "config/gunicorn.conf.py",
         "--print-config"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    config = dict(re.findall(r"^(\w+)\s+= (.*)$", result.stdout, re.M))
    assert config["workers"] == "3"
    assert config["bind"] == "['127.0.0.1:18999']"
    assert config["timeout"] == "41"
    assert config["accesslog"] == "None"  # the app logs each request (with its id)
    assert config["preload_app"] == "False"  # SIGHUP reloads the code
    assert config["control_socket_disable"] == "True"
    assert config["wsgi_app"] == "config.wsgi:application"


# ----------------------------------------------------------------------- systemd

UNITS = sorted(DEPLOY.glob("systemd/*.service"))


def test_the_units_restart_and_read_the_env_file():
    assert [u.name for u in UNITS] == ["supportdesk-beat.service", "supportdesk-web.service",
                                       "supportdesk-worker.service"]
    for unit in UNITS:
        text = unit.read_text()
        assert "EnvironmentFile=/etc/supportdesk/supportdesk.env" in text
        assert re.search(r"^Restart=(always|on-failure)$", text, re.M), unit.name
        assert "User=supportdesk" in text


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_the_units_pass_systemd_analyze_verify(tmp_path):
    # Verified as they would be installed, with /srv/supportdesk being this checkout (so the
    # binaries they start exist).
    copies = []
    for unit in UNITS:
        copy = tmp_path / unit.name
        copy.write_text(unit.read_text().replace("/srv/supportdesk", str(ROOT)))
        copies.append(str(copy))
    (ROOT / ".venv" / "bin" / "gunicorn").exists() or pytest.skip("no .venv")
    result = subprocess.run(["systemd-analyze", "verify", *copies], capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


# ----------------------------------------------------------------------- Caddy

CADDYFILE = DEPLOY / "Caddyfile"


def test_the_caddy_body_limit_lets_the_largest_attachment_through(settings):
    match = re.search(r"max_size (\d+)MB", CADDYFILE.read_text())
    assert match
    limit = int(match.group(1)) * 1000 * 1000  # Caddy's MB is 10^6
    assert settings.SUPPORTDESK_ATTACHMENT_MAX_BYTES < limit <= (
        settings.SUPPORTDESK_ATTACHMENT_MAX_BYTES + 4 * 1024 * 1024)
    text = CADDYFILE.read_text()
    assert "header_up X-Forwarded-Proto {scheme}" in text
    assert re.search(r"@metrics path /metrics", text) and "respond @metrics 404" in text


@pytest.mark.skipif(shutil.which("caddy") is None, reason="Caddy is not installed")
def test_the_caddyfile_is_valid_and_proxies_to_every_upstream():
    env = {**os.environ, "SUPPORTDESK_UPSTREAMS": "10.0.0.11:8000 10.0.0.12:8000"}
    result = subprocess.run(["caddy", "adapt", "--config", str(CADDYFILE), "--adapter",
                             "caddyfile", "--validate"],
                            capture_output=True, text=True, env=env, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert '"dial":"10.0.0.11:8000"' in result.stdout.replace(" ", "")
    assert '"dial":"10.0.0.12:8000"' in result.stdout.replace(" ", "")
    assert '"max_size":12000000' in result.stdout.replace(" ", "")


# ----------------------------------------------------------------------- Docker

COMPOSE = DEPLOY / "compose.yaml"


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_compose_has_the_whole_stack_with_health_checks():
    services = compose()["services"]
    assert {"web", "worker", "beat", "db", "redis", "migrate"} <= set(services)
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])
    assert "pg_isready" in services["db"]["healthcheck"]["test"]
    assert "ping" in services["redis"]["healthcheck"]["test"]
    for name in ("web", "worker", "beat"):
        service = services[name]
        assert service["restart"] == "unless-stopped"
        assert service["depends_on"]["db"]["condition"] == "service_healthy"
        assert service["depends_on"]["redis"]["condition"] == "service_healthy"
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"
        assert service["environment"]["CELERY_BROKER_URL"].startswith("redis://redis:")
    assert services["worker"]["command"][:4] == ["celery", "--app", "config", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "--app", "config", "beat"]
    assert "config/gunicorn.conf.py" in services["web"]["command"]


def test_the_dockerfile_copies_what_exists_and_serves_with_gunicorn():
    text = (DEPLOY / "Dockerfile").read_text()
    for source in re.findall(r"^COPY (\S+(?: \S+)*) \S+$", text, re.M):
        for path in source.split():
            assert (ROOT / path).exists(), path
    assert 'CMD ["gunicorn", "--config", "config/gunicorn.conf.py"]' in text
    assert "USER supportdesk" in text


def _compose_cli() -> list[str] | None:
    if shutil.which("docker") and subprocess.run(
            ["docker", "compose", "version"], capture_output=True, check=False).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


@pytest.mark.skipif(_compose_cli() is None, reason="no docker compose CLI")
def test_docker_compose_config_accepts_the_file(tmp_path):
    cli = _compose_cli()
    path = COMPOSE
    if cli == ["docker-compose"]:
        # Debian's docker-compose 1.29 predates the top-level "name" of the Compose spec.
        path = tmp_path / "compose.yaml"
        path.write_text(re.sub(r"^name: .*$", "", COMPOSE.read_text(), flags=re.M))
    env = {**os.environ, "POSTGRES_PASSWORD": "not-a-secret",
           "SUPPORTDESK_ENV_FILE": str(ENV_EXAMPLE)}
    result = subprocess.run([*cli, "--project-directory", str(DEPLOY), "-f", str(path),
                             "config"], capture_output=True, text=True, env=env, timeout=60,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    resolved = yaml.safe_load(result.stdout)
    web = resolved["services"]["web"]["environment"]
    assert web["DATABASE_URL"] == (
        "postgres://supportdesk:not-a-secret@db:5432/supportdesk?connect_timeout=5")
    assert web["GUNICORN_BIND"] == "0.0.0.0:8000"
