from django.core.management.base import BaseCommand

from supportdesk.desk.services import dashboard_refresh


class Command(BaseCommand):
    help = "Recompute the dashboard's monthly figures for the closed months of the window."

    def handle(self, *args, **options):
        months = dashboard_refresh()
        self.stdout.write(f"Refreshed {len(months)} month(s).")
