"""The demo command gives a new user something to click through, and can run twice."""

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import Account, User
from flows.models import Tree


@pytest.mark.django_db
def test_demo_data_loads_twice_without_duplicates():
    out = StringIO()
    call_command("load_demo_data", stdout=out)
    first = (Account.objects.count(), User.objects.count(), Tree.objects.count())
    call_command("load_demo_data", stdout=StringIO())
    assert (Account.objects.count(), User.objects.count(), Tree.objects.count()) == first

    assert set(Tree.objects.values_list("tree_type", flat=True)) == {
        "procedural",
        "troubleshooting",
        "maintenance",
    }
    assert Tree.objects.get(tree_type="maintenance").status == "draft"
    assert User.objects.get(username="sam").is_staff
    assert User.objects.get(username="alice").check_password("alice-demo-pass")
    printed = out.getvalue()
    for username in ("alice", "bob", "sam"):
        assert username in printed
