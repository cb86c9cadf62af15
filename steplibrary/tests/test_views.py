"""The library page: who sees what, filters, escaping, and a fixed query budget."""

import pytest
from django.urls import reverse

from config.tests.selects import assert_filter_select
from flows.samples import procedural_structure
from flows.tests.factories import TreeFactory
from steplibrary.tests.factories import LibraryStepFactory, distinct_structure
from steplibrary.ui_strings import MANAGED_BY_FLOW


@pytest.mark.django_db
class TestLibraryPage:
    def test_login_required(self, client):
        for url in ("/", "/library/"):
            response = client.get(url)
            assert response.status_code == 302
            assert response.url.startswith(reverse("login"))

    def test_shows_visible_entries_only(self, client, author, outsider):
        LibraryStepFactory(created_by=author, title="Alice private")
        LibraryStepFactory(created_by=author, title="Alice public", public=True)
        client.force_login(outsider)
        html = client.get("/library/").content.decode()
        assert "Alice public" in html
        assert "Alice private" not in html

    def test_synced_entries_show_the_from_flow_chip_and_a_link_when_openable(self, client, author, teammate):
        tree = TreeFactory(
            author=author, published=True, name="Cert rotation", tree_structure=procedural_structure(1)
        )
        client.force_login(teammate)
        response = client.get("/library/")
        html = response.content.decode()
        assert "From Flow · Cert rotation" in html
        entry = response.context["entries"][0]
        assert entry["source_tree_url"] == reverse("flow_navigate", args=[tree.pk])

    def test_no_link_to_a_flow_the_user_cannot_open(self, client, author, outsider):
        structure = procedural_structure(1)
        structure["steps"][1]["library_visibility"] = "public"
        TreeFactory(author=author, published=True, tree_structure=structure)
        client.force_login(outsider)
        entries = client.get("/library/").context["entries"]
        assert len(entries) == 1
        assert entries[0]["source_tree_url"] is None

    def test_filters_apply(self, client, author):
        LibraryStepFactory(created_by=author, title="Reboot router", step_type="solution")
        LibraryStepFactory(created_by=author, title="Check cables")
        client.force_login(author)
        html = client.get("/library/", {"step_type": "solution"}).content.decode()
        assert "Reboot router" in html and "Check cables" not in html
        html = client.get("/library/", {"search": "cables"}).content.decode()
        assert "Check cables" in html and "Reboot router" not in html

    def test_bad_filters_show_an_error_not_a_500(self, client, author):
        client.force_login(author)
        response = client.get("/library/", {"source_tree": "nope", "page": "x"})
        assert response.status_code == 200
        assert "source_tree" in response.content.decode()

    def test_user_content_is_escaped(self, client, author):
        LibraryStepFactory(created_by=author, title="<img src=x onerror=alert(1)>")
        client.force_login(author)
        html = client.get("/library/").content.decode()
        assert "<img src=x" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html

    @pytest.mark.parametrize("flows", [1, 8])
    def test_query_budget_does_not_grow(self, client, author, django_assert_max_num_queries, flows):
        for index in range(flows):
            TreeFactory(author=author, published=True, tree_structure=distinct_structure(3, f"flow {index}"))
        client.force_login(author)
        with django_assert_max_num_queries(8):
            response = client.get("/library/")
        assert len(response.context["entries"]) == min(flows * 3, 20)


@pytest.mark.django_db
class TestUpdatesPage:
    def test_lists_the_users_updates_and_marks_them_read_on_open(self, client, author, outsider):
        from steplibrary.models import Notice
        from steplibrary.services import step_fork

        tree = TreeFactory(author=author, published=True, public=True, tree_structure=procedural_structure(1))
        source = tree.library_steps.get()
        fork = step_fork(step=source, user=outsider)
        tree.tree_structure["steps"][1]["title"] = "Changed upstream"
        tree.save()
        client.force_login(outsider)
        library = client.get("/library/").content.decode()
        assert 'aria-label="1 unread"' in library
        html = client.get("/updates/").content.decode()
        assert "Changed upstream" in html and fork.title in html and "New" in html
        assert not Notice.objects.filter(read_at__isnull=True).exists()
        assert 'aria-label="1 unread"' not in client.get("/library/").content.decode()

    def test_nobody_else_sees_them(self, client, author, outsider, teammate):
        from steplibrary.services import step_fork

        tree = TreeFactory(author=author, published=True, public=True, tree_structure=procedural_structure(1))
        step_fork(step=tree.library_steps.get(), user=outsider)
        tree.tree_structure["steps"][1]["title"] = "Changed"
        tree.save()
        client.force_login(teammate)
        assert "Nothing new" in client.get("/updates/").content.decode()

    def test_login_required(self, client):
        assert client.get("/updates/").status_code == 302


# name, id, label, empty choice, a choice to keep selected
LIBRARY_SELECTS = [
    ("step_type", "lib-type", "Type", "Any type", ("solution", "Solution")),
    ("is_flow_synced", "lib-source", "Source", "Flows and manual", ("false", "Manual")),
    ("visibility", "lib-visibility", "Visibility", "Any visibility", ("team", "Team")),
]


@pytest.mark.django_db
class TestLibraryFilterForm:
    def test_the_filter_selects_come_from_the_filterset_and_keep_the_choice(self, client, author):
        client.force_login(author)
        html = client.get(
            "/library/", {name: chosen[0] for name, *_, chosen in LIBRARY_SELECTS}
        ).content.decode()
        for select in LIBRARY_SELECTS:
            assert_filter_select(html, *select)

    def test_the_sort_select_offers_the_page_menu_and_keeps_the_choice(self, client, author):
        client.force_login(author)
        html = client.get("/library/", {"ordering": "-rating_avg"}).content.decode()
        assert '<label for="lib-ordering">Sort by</label>' in html
        assert '<select name="ordering" id="lib-ordering">' in html
        menu = html[
            html.index('id="lib-ordering"') : html.index("</select>", html.index('id="lib-ordering"'))
        ]
        assert (
            menu.count("<option") == 5 and 'value=""' not in menu
        )  # no empty choice: most used is the default
        assert '<option value="-usage_count">Most used</option>' in menu
        assert '<option value="-rating_avg" selected>Best rated</option>' in menu
        assert '<option value="-works_best">Works best</option>' in menu
        assert '<option value="-updated_at">Recently updated</option>' in menu
        assert '<option value="title">Title A–Z</option>' in menu
        unsorted = client.get("/library/").content.decode()
        assert (
            '<option value="-usage_count">Most used</option>' in unsorted and " selected>Most" not in unsorted
        )

    def test_the_page_hands_its_script_the_shared_words(self, client, author):
        client.force_login(author)
        response = client.get("/library/")
        assert response.context["ui_strings"]["managed_by_flow"] == MANAGED_BY_FLOW
        assert 'id="ui-strings"' in response.content.decode()
