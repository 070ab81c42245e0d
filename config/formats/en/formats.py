"""English display formats for the same (Greek) vendor: Django's, with the 24-hour clock,
as on the Greek pages. Names not set here fall back to ``django/conf/locale/en/formats.py``."""

TIME_FORMAT = "H:i"
DATETIME_FORMAT = "N j, Y, H:i"
SHORT_DATETIME_FORMAT = "m/d/Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday
