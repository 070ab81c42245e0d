import factory

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
