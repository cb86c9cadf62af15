"""Creates demo accounts, users and flows; safe to run again (nothing is duplicated)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Account
from flows.models import Tree
from steplibrary.demo import DEMO_FLOWS, DEMO_MANUAL_STEPS, DEMO_PASSWORDS
from steplibrary.models import LibraryStep

User = get_user_model()


class Command(BaseCommand):
    help = "Load demo data: an account, users with printed credentials, flows of each type."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        acme, _ = Account.objects.get_or_create(name="Acme Support")
        globex, _ = Account.objects.get_or_create(name="Globex IT")
        people = [
            ("alice", acme, "author", {}),
            ("bob", acme, "teammate", {}),
            ("sam", acme, "support staff (admin)", {"is_staff": True}),
            ("carol", globex, "another team's engineer", {}),
        ]
        users = {}
        for username, account, _role, flags in people:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"account": account, "email": f"{username}@example.com", **flags},
            )
            if created:
                user.set_password(DEMO_PASSWORDS[username])
                user.save()
            users[username] = user
        self._grant_staff_permissions(users["sam"])
        for spec in DEMO_FLOWS:
            Tree.objects.get_or_create(
                name=spec["name"], account=acme, defaults={**spec, "author": users["alice"]}
            )
        for spec in DEMO_MANUAL_STEPS:
            LibraryStep.objects.get_or_create(
                title=spec["title"],
                created_by=users["bob"],
                defaults={**spec, "account": acme},
            )
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Sign in at http://127.0.0.1:8000/"))
        for username, account, role, _flags in people:
            self.stdout.write(f"  {username:<6} / {DEMO_PASSWORDS[username]:<16} {role}, {account.name}")

    def _grant_staff_permissions(self, user) -> None:
        from django.contrib.auth.models import Group

        group = Group.objects.filter(name="Support staff").first()
        if group is not None:
            user.groups.add(group)
