"""Flow pages: list, create, editor and navigator, per user."""

import pytest
from django.urls import reverse

from config.tests.selects import assert_filter_select
from flows.models import Tree
from flows.services import tree_working_copy_save
from flows.tests.factories import TreeFactory

# name, id, label, empty choice, a choice to keep selected
FLOW_SELECTS = [
    ("tree_type", "flow-type", "Flow type", "All types", ("maintenance", "Maintenance")),
    ("status", "flow-status", "Flow status", "All statuses", ("published", "Published")),
]


@pytest.mark.django_db
class TestFlowList:
    def test_login_required(self, client):
        assert client.get("/flows/").status_code == 302

    def test_lists_visible_flows_with_badges(self, client, author, teammate, outsider):
        TreeFactory(author=author, name="Team draft")
        TreeFactory(author=author, name="Public live", published=True, public=True)
        TreeFactory(author=outsider, name="Globex secret")
        client.force_login(teammate)
        html = client.get("/flows/").content.decode()
        assert "Team draft" in html and "Public live" in html
        assert "Globex secret" not in html
        assert "Published" in html and "Draft" in html and "Active" in html

    def test_filters_by_type_and_status(self, client, author):
        TreeFactory(author=author, name="Proc draft")
        TreeFactory(author=author, name="Tree live", troubleshooting=True, published=True)
        client.force_login(author)
        html = client.get("/flows/", {"tree_type": "troubleshooting"}).content.decode()
        assert "Tree live" in html and "Proc draft" not in html
        html = client.get("/flows/", {"status": "draft"}).content.decode()
        assert "Proc draft" in html and "Tree live" not in html

    def test_filter_selects_come_from_the_filterset_and_keep_the_choice(self, client, author):
        client.force_login(author)
        html = client.get("/flows/", {name: chosen[0] for name, *_, chosen in FLOW_SELECTS}).content.decode()
        for select in FLOW_SELECTS:
            assert_filter_select(html, *select)

    def test_edit_link_only_for_editable_flows(self, client, author, outsider):
        tree = TreeFactory(author=author, published=True, public=True)
        client.force_login(outsider)
        html = client.get("/flows/").content.decode()
        assert reverse("flow_navigate", args=[tree.pk]) in html
        assert reverse("flow_edit", args=[tree.pk]) not in html

    @pytest.mark.parametrize("count", [2, 20])
    def test_query_budget(self, client, author, django_assert_max_num_queries, count):
        TreeFactory.create_batch(count, author=author)
        client.force_login(author)
        with django_assert_max_num_queries(7):
            assert client.get("/flows/").status_code == 200


@pytest.mark.django_db
class TestCreate:
    def test_creates_an_empty_flow_and_opens_the_editor(self, client, author):
        client.force_login(author)
        response = client.post("/flows/new/", {"name": "New one", "tree_type": "troubleshooting"})
        tree = Tree.objects.get(name="New one")
        assert response.status_code == 302
        assert response.url == reverse("flow_edit", args=[tree.pk])
        assert tree.author == author and tree.account == author.account
        assert tree.tree_structure == {"root": None}

    def test_invalid_form_shows_errors(self, client, author):
        client.force_login(author)
        response = client.post("/flows/new/", {"name": "", "tree_type": "nope"})
        assert response.status_code == 200
        assert response.context["form"].errors.keys() == {"name", "tree_type"}
        assert not Tree.objects.exists()

    def test_get_is_not_allowed(self, client, author):
        client.force_login(author)
        assert client.get("/flows/new/").status_code == 405


@pytest.mark.django_db
class TestEditorAndNavigator:
    @pytest.mark.parametrize(
        ("who", "edit_status", "navigate_status"),
        [("author", 200, 200), ("teammate", 200, 200), ("outsider", 404, 404), ("loner", 404, 404)],
    )
    def test_private_flow_access(self, client, author, request, who, edit_status, navigate_status):
        tree = TreeFactory(author=author)
        client.force_login(request.getfixturevalue(who))
        assert client.get(reverse("flow_edit", args=[tree.pk])).status_code == edit_status
        assert client.get(reverse("flow_navigate", args=[tree.pk])).status_code == navigate_status

    def test_public_flow_is_navigable_but_not_editable_by_outsiders(self, client, author, outsider):
        tree = TreeFactory(author=author, published=True, public=True)
        client.force_login(outsider)
        assert client.get(reverse("flow_navigate", args=[tree.pk])).status_code == 200
        assert client.get(reverse("flow_edit", args=[tree.pk])).status_code == 403

    def test_editor_hands_the_structure_to_its_script(self, client, author):
        tree = TreeFactory(author=author, name="<script>alert(1)</script>")
        client.force_login(author)
        html = client.get(reverse("flow_edit", args=[tree.pk])).content.decode()
        assert 'id="tree-data"' in html
        assert "<script>alert(1)</script>" not in html

    def test_editor_starts_from_the_working_copy_and_history_version(self, client, author, teammate):
        tree = TreeFactory(author=author, published=True, name="Live name")
        tree_working_copy_save(
            tree=tree, user=author, name="</script><b>draft</b>", tree_structure=tree.tree_structure
        )
        client.force_login(teammate)
        response = client.get(reverse("flow_edit", args=[tree.pk]))
        state = response.context["editor_state"]
        assert state["history_version"] == 2
        assert state["working_copy"]["name"] == "</script><b>draft</b>"
        assert state["working_copy"]["version"] == 2
        html = response.content.decode()
        assert 'id="editor-state"' in html and "</script><b>draft" not in html

    def test_anonymous_is_sent_to_sign_in(self, client, author):
        tree = TreeFactory(author=author)
        response = client.get(reverse("flow_navigate", args=[tree.pk]))
        assert response.status_code == 302 and reverse("login") in response.url


@pytest.mark.django_db
def test_sign_in_and_out(client, author):
    response = client.post(reverse("login"), {"username": "alice", "password": "password"})
    assert response.status_code == 302
    assert client.get("/library/").status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert client.get("/library/").status_code == 302


@pytest.mark.django_db
def test_navigation_shows_admin_only_to_staff(client, teammate, staff):
    client.force_login(teammate)
    assert reverse("admin:index") not in client.get("/library/").content.decode()
    client.force_login(staff)
    assert reverse("admin:index") in client.get("/library/").content.decode()
