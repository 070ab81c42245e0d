import logging
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.test.utils import override_settings
from django.utils import timezone, translation

from supportdesk.ops.demo import demo_logins, load_demo


class Command(BaseCommand):
    help = ("Load the demo company (Jewelsoft and a dozen shops) unless it is already there. "
            "Its notification e-mails go to files under var/demo-mail/, not to the console.")

    def handle(self, *args, **options):
        mail_dir = Path(settings.DATA_DIR) / "demo-mail"
        mail_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        before = sum(1 for _ in mail_dir.iterdir())
        # A year of demo history sends thousands of notifications: to files, and without the
        # per-task log lines, so that the logins below are not buried (issue 14).
        logging.disable(logging.INFO)
        try:
            with override_settings(
                EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
                EMAIL_FILE_PATH=str(mail_dir),
            ):
                result = load_demo(today=timezone.localdate())
        finally:
            logging.disable(logging.NOTSET)
        if result.created:
            written = sum(1 for _ in mail_dir.iterdir()) - before
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
            self.stdout.write(f"Its e-mails ({written} files) are in {mail_dir}/.")
        else:
            self.stdout.write("Demo data already present.")
        with translation.override("en"):  # the console speaks English, like this command
            logins = demo_logins(timezone.localdate())
        self.stdout.write("")
        self.stdout.write("Logins (username, password, who, situation):")
        width = max(len(who) for _u, _p, who, _s in logins)
        for username, password, who, situation in logins:
            line = f"  {username:8} {password}   {who:{width}}"
            self.stdout.write(f"{line}   {situation}".rstrip())
        self.stdout.write(f"Open {settings.SUPPORTDESK_SITE_URL}/ and log in.")
