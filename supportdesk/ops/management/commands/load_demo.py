from django.core.management.base import BaseCommand
from django.utils import timezone

from supportdesk.ops.demo import load_demo


class Command(BaseCommand):
    help = "Load the demo company (Jewelsoft and a dozen shops) unless it is already there."

    def handle(self, *args, **options):
        result = load_demo(today=timezone.localdate())
        if result.created:
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        else:
            self.stdout.write("Demo data already present.")
        self.stdout.write("Logins (username / password / who):")
        for username, password, who in result.logins:
            self.stdout.write(f"  {username:10} {password}   {who}")
