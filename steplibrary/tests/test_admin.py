"""Django admin for support staff: changelists, filters, actions and who gets in."""

import json

import pytest
from django.urls import reverse

from flows.models import Tree, TreeStatus
from flows.samples import procedural_structure
from flows.tests.factories import TreeFactory, tree_admin_form
from steplibrary.models import LibraryStep
from steplibrary.tests.factories import LibraryStepFactory


@pytest.fixture
def library(author):
    trees = [TreeFactory(author=author, published=True, name=f"Flow {n}") for n in range(4)]
    LibraryStepFactory.create_batch(3, created_by=author)
    return trees


def action(client, url: str, name: str, ids) -> object:
    return client.post(url, {"action": name, "_selected_action": [str(pk) for pk in ids]}, follow=True)


@pytest.mark.django_db
class TestChangelists:
    @pytest.mark.parametrize(
        "url_name", ["admin:steplibrary_librarystep_changelist", "admin:flows_tree_changelist"]
    )
    def test_render_with_a_fixed_number_of_queries(
        self, support_client, library, author, django_assert_max_num_queries, url_name
    ):
        with django_assert_max_num_queries(14):
            response = support_client.get(reverse(url_name))
        assert response.status_code == 200
        TreeFactory.create_batch(6, author=author, published=True)
        with django_assert_max_num_queries(14):
            response = support_client.get(reverse(url_name))
        assert response.status_code == 200

    def test_step_list_shows_the_source_flow_link(self, support_client, library):
        response = support_client.get(reverse("admin:steplibrary_librarystep_changelist"))
        tree = library[0]
        assert reverse("admin:flows_tree_change", args=[tree.pk]) in response.content.decode()

    @pytest.mark.parametrize(
        "query",
        [
            "is_flow_synced__exact=1",
            "visibility__exact=team",
            "used=no",
            "rating=none",
            "q=Step+1",
            "step_type__exact=action",
            "is_active__exact=1",
        ],
    )
    def test_filters_and_search_answer(self, support_client, library, query):
        url = reverse("admin:steplibrary_librarystep_changelist") + "?" + query
        assert support_client.get(url).status_code == 200

    def test_search_finds_instructions(self, support_client, author):
        LibraryStepFactory(created_by=author, content={"instructions": "reboot the flux capacitor"})
        url = reverse("admin:steplibrary_librarystep_changelist") + "?q=flux"
        response = support_client.get(url)
        assert response.context["cl"].result_count == 1

    def test_synced_entries_content_is_read_only(self, support_client, library):
        step = LibraryStep.objects.filter(is_flow_synced=True).first()
        response = support_client.get(reverse("admin:steplibrary_librarystep_change", args=[step.pk]))
        assert response.status_code == 200
        assert "content" not in response.context["adminform"].form.fields
        assert "is_active" in response.context["adminform"].form.fields

    def test_a_manual_entry_shared_with_a_secret_is_refused(self, support_client, author):
        step = LibraryStepFactory(created_by=author, title="Configure the CLI")
        url = reverse("admin:steplibrary_librarystep_change", args=[step.pk])
        form = support_client.get(url).context["adminform"].form
        values = {name: form[name].value() for name in form.fields}
        data = {
            name: "on" if value is True else value
            for name, value in values.items()
            if value not in (None, False)
        }
        content = {**step.content, "instructions": "aws configure set aws_access_key_id AKIAZ3MHXQ7V4PDLNS2K"}
        data.update(visibility="public", content=json.dumps(content))
        response = support_client.post(url, data)
        assert response.status_code == 200
        assert "AWS Access Key" in str(response.context["adminform"].form.non_field_errors())
        step.refresh_from_db()
        assert step.visibility != "public" and "AKIA" not in step.content["instructions"]
        data["visibility"] = "private"  # nobody else reads a private entry: not scanned
        assert support_client.post(url, data).status_code == 302
        step.refresh_from_db()
        assert "AKIA" in step.content["instructions"]


@pytest.mark.django_db
class TestAccess:
    def test_a_non_staff_user_is_refused(self, client, teammate):
        client.force_login(teammate)
        response = client.get(reverse("admin:steplibrary_librarystep_changelist"))
        assert response.status_code == 302
        assert reverse("admin:login") in response.url

    def test_staff_without_the_group_sees_nothing(self, client, staff):
        client.force_login(staff)
        assert client.get(reverse("admin:steplibrary_librarystep_changelist")).status_code == 403


@pytest.mark.django_db
class TestStepActions:
    url = "admin:steplibrary_librarystep_changelist"

    def test_deactivate_and_reactivate(self, support_client, library):
        ids = list(LibraryStep.objects.values_list("pk", flat=True))
        action(support_client, reverse(self.url), "deactivate", ids)
        assert not LibraryStep.objects.filter(is_active=True).exists()
        action(support_client, reverse(self.url), "reactivate", ids)
        assert LibraryStep.objects.filter(is_active=False).count() == 0

    def test_reactivate_leaves_entries_of_a_retired_flow_alone(self, support_client, library):
        tree = library[0]
        tree.is_active = False
        tree.save()
        ids = list(tree.library_steps.values_list("pk", flat=True))
        action(support_client, reverse(self.url), "reactivate", ids)
        assert not tree.library_steps.filter(is_active=True).exists()

    def test_resync_source_flow_restores_entries(self, support_client, library):
        tree = library[0]
        tree.library_steps.update(is_active=False, title="stale")
        ids = list(tree.library_steps.values_list("pk", flat=True))
        action(support_client, reverse(self.url), "resync_source_flow", ids)
        assert set(tree.library_steps.values_list("is_active", flat=True)) == {True}
        assert not tree.library_steps.filter(title="stale").exists()


@pytest.mark.django_db
class TestTakedownActions:
    url = "admin:steplibrary_librarystep_changelist"

    def test_take_down_asks_for_a_reason_first(self, support_client, library):
        step = library[0].library_steps.first()
        response = support_client.post(
            reverse(self.url), {"action": "take_down", "_selected_action": [str(step.pk)]}
        )
        assert response.status_code == 200
        assert b"Take down" in response.content and step.title.encode() in response.content
        step.refresh_from_db()
        assert step.is_active and step.taken_down_at is None
        # Applying without a reason shows the form again, with the error.
        response = support_client.post(
            reverse(self.url),
            {"action": "take_down", "_selected_action": [str(step.pk)], "apply": "1", "reason": " "},
        )
        assert b"This field is required" in response.content
        step.refresh_from_db()
        assert step.taken_down_at is None

    def test_take_down_then_lift(self, support_client, support, library, author):
        tree = library[0]
        step = tree.library_steps.first()
        response = support_client.post(
            reverse(self.url),
            {
                "action": "take_down",
                "_selected_action": [str(step.pk)],
                "apply": "1",
                "reason": "Leaks a key",
            },
            follow=True,
        )
        assert b"1 entry taken down" in response.content
        step.refresh_from_db()
        assert (step.is_active, step.takedown_reason, step.taken_down_by) == (False, "Leaks a key", support)
        listing = support_client.get(reverse(self.url) + "?taken_down_at__isnull=False")
        assert step.title.encode() in listing.content
        change = support_client.get(reverse("admin:steplibrary_librarystep_change", args=[step.pk]))
        assert b'name="is_active"' not in change.content  # only "Lift takedown" ends it
        action(support_client, reverse(self.url), "reactivate", [step.pk])
        step.refresh_from_db()
        assert not step.is_active
        action(support_client, reverse(self.url), "lift_takedown", [step.pk])
        step.refresh_from_db()
        assert (step.is_active, step.taken_down_at, step.takedown_reason) == (True, None, "")

    def test_non_staff_cannot_take_down(self, client, teammate, library):
        step = library[0].library_steps.first()
        client.force_login(teammate)
        client.post(
            reverse(self.url),
            {"action": "take_down", "_selected_action": [str(step.pk)], "apply": "1", "reason": "x"},
        )
        step.refresh_from_db()
        assert step.taken_down_at is None


@pytest.mark.django_db
class TestTreeActions:
    url = "admin:flows_tree_changelist"

    def test_publish_goes_through_save_and_syncs(self, support_client, author):
        tree = TreeFactory(author=author)
        action(support_client, reverse(self.url), "publish", [tree.pk])
        tree.refresh_from_db()
        assert tree.status == TreeStatus.PUBLISHED
        assert tree.library_steps.filter(is_active=True).count() == 3

    def test_publish_refuses_an_unfit_flow_with_a_message(self, support_client, author):
        tree = TreeFactory(author=author, tree_structure={"steps": [{"id": "x", "type": "procedure_step"}]})
        response = action(support_client, reverse(self.url), "publish", [tree.pk])
        tree.refresh_from_db()
        assert tree.status == TreeStatus.DRAFT
        assert "a title is required to publish" in response.content.decode()

    def test_deactivate_retires_and_resync_restores(self, support_client, library):
        tree = library[1]
        action(support_client, reverse(self.url), "deactivate", [tree.pk])
        assert not tree.library_steps.filter(is_active=True).exists()
        action(support_client, reverse(self.url), "reactivate", [tree.pk])
        assert tree.library_steps.filter(is_active=True).count() == 3
        tree.library_steps.update(is_active=False)
        action(support_client, reverse(self.url), "resync", [tree.pk])
        assert tree.library_steps.filter(is_active=True).count() == 3

    def test_archive_retires(self, support_client, library):
        action(support_client, reverse(self.url), "archive", [library[2].pk])
        assert not library[2].library_steps.filter(is_active=True).exists()

    def test_synced_entry_count_column(self, support_client, library):
        response = support_client.get(reverse(self.url))
        counts = {tree.pk: tree.synced_count for tree in response.context["cl"].result_list}
        assert set(counts.values()) == {3}

    def test_the_change_form_validates_the_structure(self, support_client, author):
        tree = TreeFactory(author=author)
        url = reverse("admin:flows_tree_change", args=[tree.pk])
        response = support_client.post(
            url,
            tree_admin_form(
                tree,
                description="",
                tree_structure='{"steps": [{"id": "a", "type": "bogus"}]}',
                status="draft",
            ),
        )
        assert response.status_code == 200
        assert "steps[0].type: must be one of" in response.content.decode()
        tree.refresh_from_db()
        assert tree.tree_structure == procedural_structure()
        assert Tree.objects.count() == 1


def similar_step(author, title: str, host: str, **fields) -> LibraryStep:
    content = {
        "instructions": f"Stop nginx on {host} before the change.",
        "help_text": "nginx reports inactive",
        "commands": [{"label": "", "command": "sudo systemctl stop nginx", "command_type": "bash"}],
        "group_label": None,
    }
    return LibraryStepFactory(created_by=author, public=True, title=title, content=content, **fields)


@pytest.mark.django_db
class TestSimilarEntriesReport:
    url = "admin:steplibrary_librarystep_similar"

    def test_the_changelist_links_to_it(self, support_client):
        response = support_client.get(reverse("admin:steplibrary_librarystep_changelist"))
        assert reverse(self.url) in response.content.decode()

    def test_staff_see_pairs_of_same_title_entries_and_identical_ones_count_once(
        self, support_client, author, django_assert_max_num_queries
    ):
        first = similar_step(author, "Stop nginx", "web-01", usage_count=5)
        similar_step(author, "Stop nginx", "web-01")  # identical to first: one group
        other = similar_step(author, "stop NGINX", "web-02")
        LibraryStepFactory(created_by=author, title="Something else")
        with django_assert_max_num_queries(12):
            response = support_client.get(reverse(self.url))
        assert response.status_code == 200
        pairs = response.context["pairs"]
        assert [{pair.first.pk, pair.second.pk} for pair in pairs] == [{first.pk, other.pk}]
        assert reverse("admin:steplibrary_librarystep_change", args=[other.pk]) in response.content.decode()

    def test_pages_are_bounded_and_say_when_more_follow(self, support_client, author, monkeypatch):
        from steplibrary import admin_similar

        monkeypatch.setattr(admin_similar, "REPORT_PAGE_SIZE", 1)
        for host in ("web-01", "web-02", "web-03"):
            similar_step(author, "Stop nginx", host)
        first = support_client.get(reverse(self.url))
        assert len(first.context["pairs"]) == 1 and first.context["next_page"] == 2
        last = support_client.get(reverse(self.url), {"page": 3})
        assert len(last.context["pairs"]) == 1 and last.context["next_page"] is None
        assert support_client.get(reverse(self.url), {"page": "nope"}).context["page"] == 1

    def test_a_non_staff_user_is_sent_to_sign_in(self, client, teammate):
        client.force_login(teammate)
        response = client.get(reverse(self.url))
        assert response.status_code == 302 and reverse("admin:login") in response.url

    def test_staff_without_the_permission_are_refused(self, client, staff):
        client.force_login(staff)
        assert client.get(reverse(self.url)).status_code == 403
