"""Query values the API cannot use are refused with 400 JSON, never ignored or a 500."""

import pytest

from steplibrary.tests.factories import LibraryStepFactory


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/api/steps/", "source_tree=", "source_tree"),
        ("/api/steps/", "source_tree=not-a-uuid", "source_tree"),
        ("/api/steps/", "step_type=", "step_type"),
        ("/api/steps/", "visibility=secret", "visibility"),
        ("/api/steps/", "is_flow_synced=maybe", "is_flow_synced"),
        ("/api/steps/", "is_flow_synced=", "is_flow_synced"),
        ("/api/steps/", "mine=null", "mine"),
        ("/api/steps/", "page_size=null", "page_size"),
        ("/api/steps/", "page_size=0", "page_size"),
        ("/api/steps/", "page_size=-5", "page_size"),
        ("/api/steps/", "page=abc", "page"),
        ("/api/steps/", "page=", "page"),
        ("/api/steps/", "page=%EF%BC%91", "page"),  # a full-width digit one
        ("/api/trees/", "status=", "status"),
        ("/api/trees/", "page_size=null", "page_size"),
        ("/api/updates/", "read_at__isnull=perhaps", "read_at__isnull"),
        ("/api/updates/", "page=0", "page"),
    ],
)
def test_unusable_query_values_are_400_naming_the_parameter(api, path, query, field):
    response = api.get(f"{path}?{query}")
    assert response.status_code == 400, (query, response.status_code)
    assert response["Content-Type"] == "application/json"
    assert field in response.json()


@pytest.mark.django_db
def test_hostile_bytes_in_query_values_are_400_not_500(api):
    for query in ("source_tree=%00", "source_tree=%ED%A0%80", "page_size=%00", "is_flow_synced=%00"):
        assert api.get(f"/api/steps/?{query}").status_code == 400, query


@pytest.mark.django_db
def test_usable_values_still_filter(api, author):
    mine = LibraryStepFactory(created_by=author, public=True)
    LibraryStepFactory(public=True)
    response = api.get("/api/steps/?mine=true&is_flow_synced=false&page=1&page_size=10&search=")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [str(mine.pk)]
    assert api.get("/api/steps/?mine=True").status_code == 200
    assert api.get("/api/steps/?group_label=").status_code == 200  # free text: empty is no filter


@pytest.mark.django_db
def test_the_library_page_keeps_accepting_an_untouched_form(client, author):
    client.force_login(author)
    response = client.get("/library/?search=&step_type=&visibility=&is_flow_synced=&source_tree=")
    assert response.status_code == 200


@pytest.mark.django_db
def test_an_unknown_api_url_is_a_json_404(api):
    for path in ("/api/steps/not-a-uuid/", "/api/nothing-here/", "/api/steps/%F1%99%B5%95.%C2%82/"):
        response = api.get(path)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"detail": "Not found."}


@pytest.mark.django_db
def test_an_unknown_page_is_still_the_html_404(client, author):
    client.force_login(author)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "text/html" in response["Content-Type"]


@pytest.mark.django_db
def test_the_wrong_json_type_is_a_400_not_a_coercion(api):
    bodies = [
        {"title": 7, "content": {"instructions": "x"}},
        {"title": "x", "content": {"instructions": "x", "group_label": 0}},
        {"title": "x", "content": {"instructions": "x", "commands": [{"command": 5}]}},
    ]
    for body in bodies:
        response = api.post("/api/steps/", body, format="json")
        assert response.status_code == 400, body
    assert api.post("/api/trees/", {"name": 5, "tree_type": "procedural"}, format="json").status_code == 400


@pytest.mark.django_db
def test_revisions_answer_a_plain_list_as_documented(api, author):
    step = LibraryStepFactory(created_by=author, public=True)
    api.patch(f"/api/steps/{step.pk}/", {"title": "Renamed"}, format="json")
    body = api.get(f"/api/steps/{step.pk}/revisions/").json()
    assert isinstance(body, list)
    schema = api.get("/api/schema/", {"format": "json"}).json()
    documented = schema["paths"]["/api/steps/{id}/revisions/"]["get"]
    assert documented["responses"]["200"]["content"]["application/json"]["schema"]["type"] == "array"
    assert not [parameter for parameter in documented.get("parameters", []) if parameter["in"] == "query"]


@pytest.mark.django_db
def test_every_operation_documents_its_error_statuses(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            statuses = set(operation["responses"])
            if path != "/api/auth/token/":
                assert {"401"} <= statuses, (method, path)
            if method in ("post", "put", "patch"):
                assert "400" in statuses, (method, path)
            if "{id}" in path:
                assert "404" in statuses, (method, path)
            if method in ("put", "patch", "delete") and "{id}" in path:
                assert {"409", "412", "429"} <= statuses, (method, path)
            if method != "get" and path.startswith(("/api/steps/", "/api/trees/")):  # write-throttled
                assert "429" in statuses, (method, path)
    token = schema["paths"]["/api/auth/token/"]["post"]["responses"]
    assert {"200", "400", "429"} <= set(token)
