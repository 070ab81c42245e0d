import time

import factory
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from supportdesk.accounts.models import User

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Μαρία"
    last_name = factory.Sequence(lambda n: f"Παπαδοπούλου{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    role = User.Role.CUSTOMER
    customer = factory.SubFactory("supportdesk.customers.tests.factories.CustomerFactory")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class TechnicianFactory(UserFactory):
    role = User.Role.TECHNICIAN
    customer = None
    first_name = "Γιώργος"


class ManagerFactory(UserFactory):
    role = User.Role.MANAGER
    customer = None
    is_staff = True
    first_name = "Ελένη"


def confirmed_totp_device(user, *, recovery_codes: tuple[str, ...] = ()):
    """A confirmed authenticator for ``user`` (and a recovery-code device if given)."""
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    if recovery_codes:
        static = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
        for token in recovery_codes:
            static.token_set.create(token=token)
    return device


def device_code(device, *, at: float | None = None) -> str:
    """The six-digit code the phone shows for ``device`` now (or at Unix time ``at``)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() if at is None else at
    return f"{totp.token():0{device.digits}d}"
