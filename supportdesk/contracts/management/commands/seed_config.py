from django.core.management.base import BaseCommand

from supportdesk.contracts.services import calendar_seed_default, tariff_seed_default


class Command(BaseCommand):
    help = ('Install the default tariff (docs/rules.md "Tariff reading") and working calendar '
            "(§6) if none exist.")

    def handle(self, *args, **options):
        tariff = tariff_seed_default()
        calendar = calendar_seed_default()
        self.stdout.write(f"Tariff in force: {tariff}. Calendar: {calendar}.")
