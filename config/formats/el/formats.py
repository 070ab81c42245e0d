"""Greek display formats: Django's, with the 24-hour clock everywhere (pages, admin, e-mails,
PDFs). Django's own Greek module prints "11 π.μ."; nobody in a Greek shop reads a
timetable that way. Names not set here fall back to ``django/conf/locale/el/formats.py``."""

TIME_FORMAT = "H:i"
DATETIME_FORMAT = "d/m/Y H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday
