"""Factories for accounts and users; every user's password is `password`."""

import factory

from accounts.models import Account, User

TEST_PASSWORD = "password"


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    account = factory.SubFactory(AccountFactory)
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    class Params:
        no_account = factory.Trait(account=None)
        staff = factory.Trait(is_staff=True)
        superuser = factory.Trait(is_staff=True, is_superuser=True)

    @factory.post_generation
    def _save(user, create, extracted, **kwargs):
        if create:
            user.save()
