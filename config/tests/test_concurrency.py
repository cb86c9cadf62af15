"""ETag and If-Match on flows (`/api/trees/…`) and library entries (`/api/steps/…`)."""

import pytest

from accounts.tests.clients import client_for
from config.concurrency import if_match_tags
from flows.models import Tree
from flows.tests.factories import TreeFactory
from steplibrary.models import LibraryStep
from steplibrary.tests.factories import LibraryStepFactory


def make_tree(owner) -> Tree:
    return TreeFactory(author=owner)


def make_step(owner) -> LibraryStep:
    return LibraryStepFactory(created_by=owner, team=True)


# Per resource: how to make one, its URL, a PUT body, a PATCH body, and how to read the row back.
RESOURCES = {
    "tree": {
        "make": make_tree,
        "url": "/api/trees/{}/",
        "put": {"name": "Renamed", "tree_type": "procedural", "description": "New description"},
        "patch": {"name": "Renamed"},
        "row": lambda pk: Tree.objects.filter(pk=pk).values().first(),
    },
    "step": {
        "make": make_step,
        "url": "/api/steps/{}/",
        "put": {"title": "Renamed", "content": {"instructions": "New instructions"}},
        "patch": {"title": "Renamed"},
        "row": lambda pk: LibraryStep.objects.filter(pk=pk).values().first(),
    },
}
METHODS = ["put", "patch", "delete"]


def send(client, method: str, resource: str, pk, **headers):
    spec = RESOURCES[resource]
    url = spec["url"].format(pk)
    if method == "delete":
        return client.delete(url, headers=headers)
    return getattr(client, method)(url, spec[method], format="json", headers=headers)


@pytest.mark.django_db
class TestETag:
    @pytest.mark.parametrize("resource", sorted(RESOURCES))
    def test_get_carries_the_version_as_etag(self, author, resource):
        obj = RESOURCES[resource]["make"](author)
        response = client_for(author).get(RESOURCES[resource]["url"].format(obj.pk))
        assert response.status_code == 200
        assert response.json()["version"] == 1
        assert response["ETag"] == '"1"'

    @pytest.mark.parametrize("resource", sorted(RESOURCES))
    def test_list_rows_carry_their_version_but_the_list_no_etag(self, author, resource):
        RESOURCES[resource]["make"](author)
        response = client_for(author).get(RESOURCES[resource]["url"].format("").rstrip("/") + "/")
        assert response.status_code == 200
        assert [row["version"] for row in response.json()["results"]] == [1]
        assert not response.has_header("ETag")

    def test_created_flow_answers_with_its_etag(self, author):
        response = client_for(author).post(
            "/api/trees/", {"name": "New", "tree_type": "procedural"}, format="json"
        )
        assert response.status_code == 201
        assert response.json()["version"] == 1 and response["ETag"] == '"1"'

    def test_created_entry_answers_with_its_etag(self, author):
        response = client_for(author).post(
            "/api/steps/", {"title": "New", "content": {"instructions": "Do"}}, format="json"
        )
        assert response.status_code == 201
        assert response.json()["version"] == 1 and response["ETag"] == '"1"'


@pytest.mark.django_db
class TestIfMatch:
    @pytest.mark.parametrize("method", METHODS)
    @pytest.mark.parametrize("resource", sorted(RESOURCES))
    def test_stale_if_match_is_412_and_writes_nothing(self, author, teammate, resource, method):
        obj = RESOURCES[resource]["make"](author)
        # Someone else saves first: the version the client holds ("1") is now stale.
        assert send(client_for(author), "patch", resource, obj.pk).status_code == 200
        before = RESOURCES[resource]["row"](obj.pk)
        assert before["version"] == 2

        response = send(client_for(author), method, resource, obj.pk, **{"If-Match": '"1"'})

        assert response.status_code == 412, response.content
        assert response.json()["version"] == 2
        assert response.json()["detail"]
        assert response["ETag"] == '"2"'
        assert RESOURCES[resource]["row"](obj.pk) == before

    @pytest.mark.parametrize("method", ["put", "patch"])
    @pytest.mark.parametrize("resource", sorted(RESOURCES))
    def test_fresh_if_match_writes_and_returns_the_new_etag(self, author, resource, method):
        obj = RESOURCES[resource]["make"](author)
        response = send(client_for(author), method, resource, obj.pk, **{"If-Match": '"1"'})
        assert response.status_code == 200, response.content
        assert response.json()["version"] == 2
        assert response["ETag"] == '"2"'
        row = RESOURCES[resource]["row"](obj.pk)
        assert row["version"] == 2
        assert row.get("name", row.get("title")) == "Renamed"
        # The new ETag is good for the next write, the old one no longer.
        again = send(client_for(author), "patch", resource, obj.pk, **{"If-Match": '"1"'})
        assert again.status_code == 412
        assert send(client_for(author), "patch", resource, obj.pk, **{"If-Match": '"2"'}).status_code == 200

    def test_fresh_if_match_deletes_a_flow(self, author):
        tree = make_tree(author)
        response = send(client_for(author), "delete", "tree", tree.pk, **{"If-Match": '"1"'})
        assert response.status_code == 204
        assert not Tree.objects.filter(pk=tree.pk).exists()

    def test_fresh_if_match_soft_deletes_an_entry(self, author):
        step = make_step(author)
        response = send(client_for(author), "delete", "step", step.pk, **{"If-Match": '"1"'})
        assert response.status_code == 204
        step.refresh_from_db()
        assert not step.is_active and step.version == 2

    @pytest.mark.parametrize("method", METHODS)
    @pytest.mark.parametrize("resource", sorted(RESOURCES))
    def test_without_if_match_writes_go_ahead(self, author, resource, method):
        obj = RESOURCES[resource]["make"](author)
        send(client_for(author), "patch", resource, obj.pk)
        response = send(client_for(author), method, resource, obj.pk)
        assert response.status_code in (200, 204)

    @pytest.mark.parametrize("method", METHODS)
    @pytest.mark.parametrize("resource", sorted(RESOURCES))
    def test_wildcard_matches_any_version(self, author, resource, method):
        obj = RESOURCES[resource]["make"](author)
        send(client_for(author), "patch", resource, obj.pk)
        response = send(client_for(author), method, resource, obj.pk, **{"If-Match": "*"})
        assert response.status_code in (200, 204)

    @pytest.mark.parametrize(
        "header", ['"7", "1"', 'W/"1"', '  "1"  ', '"9",W/"1"'], ids=["list", "weak", "spaces", "mixed"]
    )
    def test_any_listed_tag_may_match(self, author, header):
        step = make_step(author)
        response = send(client_for(author), "patch", "step", step.pk, **{"If-Match": header})
        assert response.status_code == 200, response.content

    @pytest.mark.parametrize(
        "header",
        ["1", '"1', "W/1", '"1";', "", ",", '"1" "1"', "**", '"\u00e9"', '"' + "1" * 2000 + '"'],
        ids=["bare", "unclosed", "weakbare", "junk", "empty", "comma", "no-comma", "stars", "eacute", "long"],
    )
    @pytest.mark.parametrize("resource", sorted(RESOURCES))
    def test_malformed_if_match_is_412_and_writes_nothing(self, author, resource, header):
        obj = RESOURCES[resource]["make"](author)
        before = RESOURCES[resource]["row"](obj.pk)
        response = send(client_for(author), "patch", resource, obj.pk, **{"If-Match": header})
        assert response.status_code == 412
        assert response.json()["version"] == 1
        assert "If-Match" in response.json()["detail"]
        assert RESOURCES[resource]["row"](obj.pk) == before

    def test_stale_if_match_is_checked_before_the_body_is_validated(self, author):
        step = make_step(author)
        send(client_for(author), "patch", "step", step.pk)
        response = client_for(author).patch(
            f"/api/steps/{step.pk}/", {"title": ""}, format="json", headers={"If-Match": '"1"'}
        )
        assert response.status_code == 412


@pytest.mark.django_db
class TestIfMatchFromOutside:
    """Someone who may not see the object learns nothing from If-Match: 404, as without it."""

    @pytest.mark.parametrize("header", ['"1"', '"2"', "*", "garbage"])
    @pytest.mark.parametrize("method", METHODS)
    @pytest.mark.parametrize("resource", sorted(RESOURCES))
    @pytest.mark.parametrize("who", ["outsider", "loner"])
    def test_invisible_object_is_404_even_with_if_match(self, request, author, resource, method, header, who):
        obj = RESOURCES[resource]["make"](author)
        before = RESOURCES[resource]["row"](obj.pk)
        user = request.getfixturevalue(who)
        response = send(client_for(user), method, resource, obj.pk, **{"If-Match": header})
        assert response.status_code == 404
        assert not response.has_header("ETag")
        assert RESOURCES[resource]["row"](obj.pk) == before

    @pytest.mark.parametrize("resource", sorted(RESOURCES))
    def test_anonymous_is_401_even_with_if_match(self, author, resource):
        obj = RESOURCES[resource]["make"](author)
        response = send(client_for(None), "patch", resource, obj.pk, **{"If-Match": '"9"'})
        assert response.status_code == 401

    def test_visible_but_not_editable_flow_is_403_not_412(self, author, outsider):
        tree = TreeFactory(author=author, published=True, public=True)
        response = send(client_for(outsider), "patch", "tree", tree.pk, **{"If-Match": '"99"'})
        assert response.status_code == 403

    def test_synced_entry_is_403_not_412(self, author):
        step = LibraryStepFactory(synced=True, created_by=author)
        response = send(client_for(author), "patch", "step", step.pk, **{"If-Match": '"99"'})
        assert response.status_code == 403

    def test_unknown_id_is_404(self, author):
        response = send(
            client_for(author), "patch", "tree", "6f0e5b7c-6a35-4c7a-9a53-0d3c2b1f8e11", **{"If-Match": "*"}
        )
        assert response.status_code == 404


@pytest.mark.django_db
def test_schema_documents_if_match_and_412(author):
    schema = client_for(author).get("/api/schema/?format=json").json()
    for path in ("/api/trees/{id}/", "/api/steps/{id}/"):
        for method in METHODS:
            operation = schema["paths"][path][method]
            assert "412" in operation["responses"], (path, method)
            assert any(
                parameter["name"] == "If-Match" and parameter["in"] == "header"
                for parameter in operation.get("parameters", [])
            ), (path, method)
    body = schema["components"]["schemas"]["PreconditionFailed"]
    assert set(body["properties"]) == {"detail", "version"}


@pytest.mark.parametrize(
    ("header", "tags"),
    [
        ("*", {"*"}),
        ('"3"', {"3"}),
        ('W/"3"', {"3"}),
        ('"3", W/"4"', {"3", "4"}),
        ("3", None),
        ('"3', None),
        ("", None),
        ('"a b"', None),
    ],
)
def test_if_match_tags(header, tags):
    assert if_match_tags(header) == tags


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("resource", sorted(RESOURCES))
def test_two_writers_with_the_same_if_match_one_wins_one_gets_412(author, teammate, resource):
    """Both load version 1 and save at the same moment: exactly one write lands, the other is
    refused with the winner's version, and the row shows the winner's change only."""
    from steplibrary.tests.threads import run_in_threads

    obj = RESOURCES[resource]["make"](author)
    field = "name" if resource == "tree" else "title"
    answers: dict[int, object] = {}

    def write(index: int, barrier) -> None:
        client = client_for(author)
        barrier.wait(timeout=30)
        answers[index] = client.patch(
            RESOURCES[resource]["url"].format(obj.pk),
            {field: f"Writer {index}"},
            format="json",
            headers={"If-Match": '"1"'},
        )

    assert run_in_threads(2, write) == []
    codes = sorted(answer.status_code for answer in answers.values())
    assert codes == [200, 412]
    winner = next(index for index, answer in answers.items() if answer.status_code == 200)
    loser = answers[1 - winner]
    assert loser.json()["version"] == 2 and loser["ETag"] == '"2"'
    row = RESOURCES[resource]["row"](obj.pk)
    assert row[field] == f"Writer {winner}" and row["version"] == 2
