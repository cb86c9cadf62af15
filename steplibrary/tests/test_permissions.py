"""The permission matrix: every user × every kind of object × every action, one status each.

Who sees what is written out by hand below (not derived from the code under test).
"""

import pytest
from rest_framework.test import APIClient

from flows.tests.factories import TreeFactory
from steplibrary.models import LibraryStep
from steplibrary.tests.factories import LibraryStepFactory, distinct_structure
from steplibrary.ui_strings import MANAGED_BY_FLOW

USERS = ["creator", "teammate", "other_account", "no_account", "staff", "anonymous"]
STEP_OBJECTS = ["private_manual", "team_manual", "public_manual", "team_synced", "public_synced"]
TREE_OBJECTS = ["private_tree", "public_tree"]

# Which users may see which objects (the creator and teammate/staff share the "Acme Support" account).
SEES = {
    "private_manual": {"creator"},
    "team_manual": {"creator", "teammate", "staff"},
    "public_manual": {"creator", "teammate", "staff", "other_account", "no_account"},
    "team_synced": {"creator", "teammate", "staff"},
    "public_synced": {"creator", "teammate", "staff", "other_account", "no_account"},
    "private_tree": {"creator", "teammate", "staff"},
    "public_tree": {"creator", "teammate", "staff", "other_account", "no_account"},
}
# Who may change an object they can see.
CHANGES = {
    "private_manual": {"creator"},
    "team_manual": {"creator"},
    "public_manual": {"creator"},
    "team_synced": set(),
    "public_synced": set(),
    "private_tree": {"creator", "teammate", "staff"},
    "public_tree": {"creator", "teammate", "staff"},
}
SUCCESS = {"list": 200, "retrieve": 200, "update": 200, "delete": 204, "fork": 201, "rate": 200, "use": 200}


@pytest.fixture
def world(author, teammate, outsider, loner, staff):
    synced_team = TreeFactory(author=author, published=True, tree_structure=distinct_structure(1, "team"))
    synced_public = TreeFactory(
        author=author, published=True, public=True, tree_structure=distinct_structure(1, "public")
    )
    objects = {
        "private_manual": LibraryStepFactory(created_by=author),
        "team_manual": LibraryStepFactory(created_by=author, team=True),
        "public_manual": LibraryStepFactory(created_by=author, public=True),
        "team_synced": LibraryStep.objects.get(source_tree=synced_team),
        "public_synced": LibraryStep.objects.get(source_tree=synced_public),
        "private_tree": TreeFactory(author=author, name="Private draft"),
        "public_tree": synced_public,
    }
    users = {
        "creator": author,
        "teammate": teammate,
        "other_account": outsider,
        "no_account": loner,
        "staff": staff,
        "anonymous": None,
    }
    return users, objects


def call(client: APIClient, kind: str, obj, action: str):
    base = "/api/trees/" if kind.endswith("tree") else "/api/steps/"
    detail = f"{base}{obj.pk}/"
    if action == "list":
        return client.get(base, {"page_size": 100})
    if action == "retrieve":
        return client.get(detail)
    if action == "update":
        return client.patch(detail, {"name" if kind.endswith("tree") else "title": "Renamed"}, format="json")
    if action == "delete":
        return client.delete(detail)
    if action == "rate":
        return client.post(f"{detail}rate/", {"score": 4}, format="json")
    return client.post(f"{detail}{action}/", {}, format="json")


def expected_status(user: str, kind: str, action: str) -> int:
    if user == "anonymous":
        return 401
    if action == "list":
        return 200
    if user not in SEES[kind]:
        return 404
    if action in ("update", "delete") and user not in CHANGES[kind]:
        return 403
    return SUCCESS[action]


MATRIX = [
    (user, kind, action)
    for user in USERS
    for kind in STEP_OBJECTS + TREE_OBJECTS
    for action in (
        ["list", "retrieve", "update", "delete", "fork", "rate", "use"]
        if kind in STEP_OBJECTS
        else ["list", "retrieve", "update", "delete"]
    )
]


@pytest.mark.django_db
@pytest.mark.parametrize(("user", "kind", "action"), MATRIX)
def test_permission_matrix(world, user, kind, action):
    users, objects = world
    client = APIClient()
    if users[user] is not None:
        client.force_authenticate(users[user])
    obj = objects[kind]
    response = call(client, kind, obj, action)
    assert response.status_code == expected_status(user, kind, action), response.content
    if action == "list" and user != "anonymous":
        listed = {row["id"] for row in response.json()["results"]}
        assert (str(obj.pk) in listed) == (user in SEES[kind])
    if response.status_code == 403 and kind.endswith("synced"):
        assert response.json()["detail"] == MANAGED_BY_FLOW
    if response.status_code in (403, 404) and action in ("update", "delete"):
        obj.refresh_from_db()
        assert getattr(obj, "name" if kind.endswith("tree") else "title") != "Renamed"
        assert getattr(obj, "is_active", True)


@pytest.mark.django_db
def test_superuser_sees_every_active_entry(world, django_user_model):
    _, objects = world
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client = APIClient()
    client.force_authenticate(admin)
    listed = {row["id"] for row in client.get("/api/steps/", {"page_size": 100}).json()["results"]}
    assert {str(objects[kind].pk) for kind in STEP_OBJECTS} <= listed


@pytest.mark.django_db
def test_inactive_entries_are_invisible_even_to_their_creator(world):
    users, objects = world
    step = objects["private_manual"]
    LibraryStep.objects.filter(pk=step.pk).update(is_active=False)
    client = APIClient()
    client.force_authenticate(users["creator"])
    assert client.get(f"/api/steps/{step.pk}/").status_code == 404
    assert str(step.pk) not in {row["id"] for row in client.get("/api/steps/").json()["results"]}
