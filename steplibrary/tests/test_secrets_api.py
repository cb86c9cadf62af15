"""Secrets never published: the preview lists findings, every publish path refuses them
unless the author marked them false positives, and the values are never logged or copied."""

import io
import json
import logging

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.tests.clients import client_for
from flows.models import Tree, TreeStatus
from flows.samples import procedural_structure
from flows.tests.factories import TreeFactory, tree_admin_form
from steplibrary.models import LibraryStep, SecretAllowance
from steplibrary.tests.factories import LibraryStepFactory
from steplibrary.tests.test_secret_scan import FAKE_AWS_KEY, FAKE_PRIVATE_KEY

PRIVATE_KEY_BODY = FAKE_PRIVATE_KEY.splitlines()[1]


def structure_with_secrets() -> dict:
    structure = procedural_structure(3)
    structure["steps"][1]["commands"] = [
        {"language": "bash", "code": "systemctl restart nginx", "label": "Restart"},
        {"language": "bash", "code": f"aws configure set aws_access_key_id {FAKE_AWS_KEY}", "label": "Key"},
    ]
    structure["steps"][3]["description"] = f"Install this key:\n{FAKE_PRIVATE_KEY}"
    return structure


@pytest.fixture
def draft(author):
    return TreeFactory(author=author, tree_structure=structure_with_secrets(), name="Rotate keys")


def preview(client, tree, **body):
    return client.post(f"/api/trees/{tree.pk}/preview/", body, format="json")


def publish(client, tree, method="patch", **body):
    call = client.patch if method == "patch" else client.put
    if method == "put":
        body = {"name": tree.name, "tree_type": tree.tree_type, "tree_structure": tree.tree_structure, **body}
    return call(f"/api/trees/{tree.pk}/", {"status": "published", **body}, format="json")


def allow(client, tree, finding, **body):
    payload = {"path": finding["path"], "fingerprint": finding["fingerprint"], **body}
    return client.post(f"/api/trees/{tree.pk}/secret-allowances/", payload, format="json")


def findings_of(client, tree) -> list[dict]:
    response = preview(client, tree)
    assert response.status_code == 200, response.content
    return response.json()["secret_findings"]


@pytest.mark.django_db
class TestPreviewAndPublish:
    def test_preview_lists_each_finding_by_path_kind_and_fingerprint_without_the_value(self, author, draft):
        response = preview(client_for(author), draft)
        assert response.status_code == 200
        findings = response.json()["secret_findings"]
        assert [(f["path"], f["kind"], f["allowed"]) for f in findings] == [
            ("steps[1].commands[1].code", "AWS Access Key", False),
            ("steps[3].description", "Private Key", False),
        ]
        assert all(len(f["fingerprint"]) == 32 for f in findings)
        assert FAKE_AWS_KEY not in response.content.decode()
        assert PRIVATE_KEY_BODY not in response.content.decode()

    def test_preview_of_the_structure_about_to_be_published(self, author):
        tree = TreeFactory(author=author)
        structure = procedural_structure(1)
        structure["steps"][1]["title"] = f"Use {FAKE_AWS_KEY}"
        response = preview(client_for(author), tree, tree_structure=structure)
        assert [f["path"] for f in response.json()["secret_findings"]] == ["steps[1].title"]
        assert findings_of(client_for(author), tree) == []

    @pytest.mark.parametrize("method", ["patch", "put"])
    def test_publish_is_refused_naming_each_path(self, author, draft, method):
        response = publish(client_for(author), draft, method=method)
        assert response.status_code == 400
        body = response.json()
        assert [message.split(":")[0] for message in body["tree_structure"]] == [
            "steps[1].commands[1].code",
            "steps[3].description",
        ]
        assert [f["path"] for f in body["secret_findings"]] == [
            "steps[1].commands[1].code",
            "steps[3].description",
        ]
        assert FAKE_AWS_KEY not in response.content.decode()
        draft.refresh_from_db()
        assert draft.status == TreeStatus.DRAFT
        assert not LibraryStep.objects.filter(source_tree=draft).exists()

    def test_creating_a_published_flow_with_a_secret_is_refused(self, author):
        response = client_for(author).post(
            "/api/trees/",
            {
                "name": "Keys",
                "tree_type": "procedural",
                "status": "published",
                "tree_structure": structure_with_secrets(),
            },
            format="json",
        )
        assert response.status_code == 400
        assert "secret_findings" in response.json()
        assert not Tree.objects.filter(name="Keys").exists()

    def test_a_secret_in_the_flow_name_is_named_by_its_field(self, author):
        tree = TreeFactory(author=author, tree_structure=procedural_structure(1))
        response = publish(client_for(author), tree, name=f"Keys {FAKE_AWS_KEY}")
        assert response.status_code == 400
        assert response.json()["name"][0].startswith("name: looks like a secret (AWS Access Key")

    def test_allowing_every_finding_lets_the_publish_through(self, author, draft):
        client = client_for(author)
        for finding in findings_of(client, draft):
            response = allow(client, draft, finding)
            assert response.status_code == 201, response.content
            assert response.json()["created_by_username"] == "alice"
        assert all(f["allowed"] for f in findings_of(client, draft))
        response = publish(client, draft)
        assert response.status_code == 200, response.content
        assert response.json()["sync_result"]["created"] == 3

    def test_allowing_twice_is_one_allowance(self, author, draft):
        client = client_for(author)
        finding = findings_of(client, draft)[0]
        assert allow(client, draft, finding).status_code == 201
        assert allow(client, draft, finding).status_code == 200
        assert SecretAllowance.objects.filter(tree=draft).count() == 1

    def test_allowance_records_who_where_and_the_fingerprint_only(self, author, draft):
        client = client_for(author)
        finding = findings_of(client, draft)[0]
        allow(client, draft, finding)
        allowance = SecretAllowance.objects.get()
        assert (allowance.tree, allowance.created_by, allowance.node_id, allowance.field) == (
            draft,
            author,
            "s1",
            "commands[1].code",
        )
        assert (allowance.path, allowance.kind, allowance.fingerprint) == (
            "steps[1].commands[1].code",
            "AWS Access Key",
            finding["fingerprint"],
        )
        listed = client.get(f"/api/trees/{draft.pk}/secret-allowances/").json()
        assert [item["fingerprint"] for item in listed] == [finding["fingerprint"]]

    def test_changing_the_text_voids_the_allowance(self, author, draft):
        client = client_for(author)
        for finding in findings_of(client, draft):
            allow(client, draft, finding)
        assert publish(client, draft).status_code == 200
        structure = draft.tree_structure
        structure["steps"][1]["commands"][1]["code"] += " --profile prod"
        response = client.patch(f"/api/trees/{draft.pk}/", {"tree_structure": structure}, format="json")
        assert response.status_code == 400
        assert [f["path"] for f in response.json()["secret_findings"]] == ["steps[1].commands[1].code"]
        assert (
            LibraryStep.objects.get(source_tree=draft, source_node_id="s1")
            .content["commands"][1]["command"]
            .endswith(FAKE_AWS_KEY)
        )

    def test_moving_a_step_keeps_its_allowance(self, author, draft):
        client = client_for(author)
        for finding in findings_of(client, draft):
            allow(client, draft, finding)
        structure = draft.tree_structure
        steps = structure["steps"]
        steps[1], steps[2] = steps[2], steps[1]
        response = publish(client, draft, tree_structure=structure)
        assert response.status_code == 200, response.content

    def test_allowance_for_the_structure_the_editor_is_about_to_publish(self, author):
        tree = TreeFactory(author=author, tree_structure=procedural_structure(1))
        structure = structure_with_secrets()
        client = client_for(author)
        for finding in preview(client, tree, tree_structure=structure).json()["secret_findings"]:
            assert allow(client, tree, finding, tree_structure=structure).status_code == 201
        assert publish(client, tree, tree_structure=structure).status_code == 200

    @pytest.mark.parametrize(
        "change",
        [
            {"fingerprint": "0" * 32},
            {"path": "steps[2].description"},
            {"fingerprint": "not-hex"},
            {"path": ""},
        ],
    )
    def test_forged_or_stale_findings_are_refused(self, author, draft, change):
        client = client_for(author)
        finding = {**findings_of(client, draft)[0], **change}
        response = allow(client, draft, finding)
        assert response.status_code == 400
        assert set(response.json()) & {"path", "fingerprint"}
        assert not SecretAllowance.objects.exists()

    def test_a_team_only_flow_is_scanned_too(self, author, draft):
        assert draft.is_public is False
        assert publish(client_for(author), draft).status_code == 400

    def test_ordinary_flows_publish_without_findings(self, author):
        tree = TreeFactory(author=author, tree_structure=procedural_structure(5))
        client = client_for(author)
        assert findings_of(client, tree) == []
        assert publish(client, tree).status_code == 200


@pytest.mark.django_db
class TestFromTheOutside:
    def test_another_team_cannot_see_or_mark_a_team_only_flow(self, author, outsider, loner, draft):
        finding = findings_of(client_for(author), draft)[0]
        for user in (outsider, loner):
            client = client_for(user)
            assert allow(client, draft, finding).status_code == 404
            assert client.get(f"/api/trees/{draft.pk}/secret-allowances/").status_code == 404
        assert not SecretAllowance.objects.exists()

    def test_another_team_cannot_mark_a_public_flow_it_can_read(self, author, outsider):
        tree = TreeFactory(author=author, published=True, public=True, tree_structure=procedural_structure(1))
        structure = structure_with_secrets()
        finding = preview(client_for(author), tree, tree_structure=structure).json()["secret_findings"][0]
        response = allow(client_for(outsider), tree, finding, tree_structure=structure)
        assert response.status_code == 403
        assert not SecretAllowance.objects.exists()

    def test_anonymous_is_refused(self, draft):
        response = allow(client_for(None), draft, {"path": "x", "fingerprint": "0" * 32})
        assert response.status_code == 401

    def test_teammate_may_mark_the_team_flow(self, author, teammate, draft):
        finding = findings_of(client_for(author), draft)[0]
        assert allow(client_for(teammate), draft, finding).status_code == 201

    @pytest.mark.parametrize(
        "raw",
        [
            '{"path": "steps[1].commands[1].code\\ud800", "fingerprint": "%s"}',
            '{"path": "steps[1]\\u0000", "fingerprint": "%s"}',
            '{"path": "steps[1].commands[1].code", "fingerprint": "%s", "tree_structure": {"\\ud800": 1}}',
            '{"path": "steps[1].commands[1].code", "fingerprint": "%s", "name": "\\udfff"}',
            '{"path": "steps[1].commands[1].code", "fingerprint": "%s", "tree_structure": "x"}',
            '{"path": ["steps"], "fingerprint": "%s"}',
            "[1, 2, 3] %s",
            "\u0000%s",
        ],
    )
    def test_hostile_bytes_are_a_400_and_store_nothing(self, author, draft, raw):
        finding = findings_of(client_for(author), draft)[0]
        body = raw % finding["fingerprint"]
        response = client_for(author).post(
            f"/api/trees/{draft.pk}/secret-allowances/", body, content_type="application/json"
        )
        assert response.status_code == 400, response.content
        assert not SecretAllowance.objects.exists()


@pytest.mark.django_db
class TestManualEntries:
    def secret_content(self):
        return {
            "instructions": "Set the key.",
            "commands": [{"label": "Key", "command": f"export AWS_ACCESS_KEY_ID={FAKE_AWS_KEY}"}],
        }

    def test_sharing_a_new_entry_with_a_secret_is_refused(self, author):
        response = client_for(author).post(
            "/api/steps/",
            {"title": "Keys", "content": self.secret_content(), "visibility": "team"},
            format="json",
        )
        assert response.status_code == 400
        body = response.json()
        assert list(body) == ["content.commands[0].command", "secret_findings"]
        assert FAKE_AWS_KEY not in response.content.decode()
        assert not LibraryStep.objects.exists()

    def test_a_private_entry_is_not_scanned_and_can_be_shared_once_allowed(self, author):
        client = client_for(author)
        response = client.post(
            "/api/steps/", {"title": "Keys", "content": self.secret_content()}, format="json"
        )
        assert response.status_code == 201
        step_id = response.json()["id"]
        refused = client.patch(f"/api/steps/{step_id}/", {"visibility": "public"}, format="json")
        assert refused.status_code == 400
        finding = refused.json()["secret_findings"][0]
        marked = client.post(
            f"/api/steps/{step_id}/secret-allowances/",
            {"path": finding["path"], "fingerprint": finding["fingerprint"]},
            format="json",
        )
        assert marked.status_code == 201
        assert SecretAllowance.objects.get().step_id is not None
        shared = client.patch(f"/api/steps/{step_id}/", {"visibility": "public"}, format="json")
        assert shared.status_code == 200
        assert LibraryStep.objects.get(pk=step_id).visibility == "public"

    def test_a_shared_fork_of_an_entry_with_a_secret_is_refused(self, author, outsider):
        source = LibraryStepFactory(created_by=author, visibility="public", content=self.secret_content())
        client = client_for(outsider)
        response = client.post(f"/api/steps/{source.pk}/fork/", {"visibility": "team"}, format="json")
        assert response.status_code == 400
        assert client.post(f"/api/steps/{source.pk}/fork/", {}, format="json").status_code == 201

    def test_only_the_creator_marks_an_entry(self, author, teammate, outsider):
        step = LibraryStepFactory(created_by=author, visibility="team", content=self.secret_content())
        body = {"path": "content.commands[0].command", "fingerprint": "0" * 32}
        assert client_for(teammate).post(f"/api/steps/{step.pk}/secret-allowances/", body).status_code == 403
        assert client_for(outsider).post(f"/api/steps/{step.pk}/secret-allowances/", body).status_code == 404
        assert not SecretAllowance.objects.exists()

    def test_hostile_content_is_a_400(self, author):
        step = LibraryStepFactory(created_by=author, content=self.secret_content())
        body = '{"path": "title", "fingerprint": "%s", "content": {"instructions": "\\ud800"}}' % ("0" * 32)
        response = client_for(author).post(
            f"/api/steps/{step.pk}/secret-allowances/", body, content_type="application/json"
        )
        assert response.status_code == 400


@pytest.mark.django_db
class TestOtherPublishPaths:
    def test_resync_library_refuses_a_flow_whose_text_gained_a_secret(self, author):
        tree = TreeFactory(author=author, published=True, tree_structure=procedural_structure(2))
        # A raw update (no signal, no sync): the library still shows the old text.
        Tree.objects.filter(pk=tree.pk).update(tree_structure=structure_with_secrets())
        out, err = io.StringIO(), io.StringIO()
        with pytest.raises(CommandError):
            call_command("resync_library", stdout=out, stderr=err)
        assert "steps[1].commands[1].code: looks like a secret (AWS Access Key" in err.getvalue()
        assert FAKE_AWS_KEY not in err.getvalue() + out.getvalue()
        assert not LibraryStep.objects.filter(source_tree=tree, source_node_id="s3").exists()
        assert not LibraryStep.objects.filter(content__icontains=FAKE_AWS_KEY).exists()

    def test_admin_publish_action_refuses_with_a_message(self, admin_client, draft):
        response = admin_client.post(
            "/admin/flows/tree/",
            {"action": "publish", "_selected_action": [str(draft.pk)]},
            follow=True,
        )
        assert response.status_code == 200
        assert "looks like a secret" in response.content.decode()
        assert FAKE_AWS_KEY not in response.content.decode()
        draft.refresh_from_db()
        assert draft.status == TreeStatus.DRAFT

    def test_admin_change_form_refuses_next_to_the_structure(self, admin_client, draft):
        response = admin_client.post(
            f"/admin/flows/tree/{draft.pk}/change/",
            tree_admin_form(draft, description="", status="published"),
        )
        assert response.status_code == 200
        assert "looks like a secret (AWS Access Key" in response.content.decode()
        draft.refresh_from_db()
        assert draft.status == TreeStatus.DRAFT

    def test_support_staff_see_allowances_read_only(self, admin_client, author, draft):
        client = client_for(author)
        allow(client, draft, findings_of(client, draft)[0])
        page = admin_client.get("/admin/steplibrary/secretallowance/?kind=AWS+Access+Key")
        assert page.status_code == 200
        assert "steps[1].commands[1].code" in page.content.decode()
        assert admin_client.get("/admin/steplibrary/secretallowance/add/").status_code == 403


@pytest.mark.django_db
def test_secret_values_are_never_logged_or_stored_outside_the_flow(author, caplog):
    """Through the API: save a draft with a fake AWS key and a private key, preview, try to
    publish, allow one finding, try again. Then search the logs and every table but the
    flow's own (whose structure holds the text) for the values."""
    caplog.set_level(logging.DEBUG)
    client = client_for(author)
    created = client.post(
        "/api/trees/",
        {"name": "Rotate keys", "tree_type": "procedural", "tree_structure": structure_with_secrets()},
        format="json",
    )
    assert created.status_code == 201
    tree = Tree.objects.get(pk=created.json()["id"])
    bodies = [preview(client, tree).content, publish(client, tree).content]
    finding = json.loads(bodies[0])["secret_findings"][0]
    bodies.append(allow(client, tree, finding).content)
    refused = publish(client, tree)
    assert refused.status_code == 400
    bodies.append(refused.content)
    values = (FAKE_AWS_KEY, PRIVATE_KEY_BODY, "MIIEpAIBAAKCAQEA")
    for value in values:
        assert value not in caplog.text
        assert all(value.encode() not in body for body in bodies)
    assert caplog.records  # the logs were captured
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if table == Tree._meta.db_table:
                continue
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - our own table names
            dump = repr(cursor.fetchall())
            for value in values:
                assert value not in dump, table
    assert SecretAllowance.objects.count() == 1


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_authors_racing_to_allow_and_publish(author, teammate):
    """Both mark the same findings and publish at once: one allowance per finding, one
    publish's worth of library entries, and never a 500."""
    from steplibrary.tests.threads import run_in_threads

    tree = TreeFactory(author=author, tree_structure=structure_with_secrets(), name="Rotate keys")
    findings = findings_of(client_for(author), tree)
    statuses: list[tuple[str, int]] = []

    def allow_and_publish(index: int, barrier) -> None:
        client = client_for((author, teammate)[index])
        barrier.wait(timeout=30)
        for finding in findings:
            statuses.append(("allow", allow(client, tree, finding).status_code))
        statuses.append(("publish", publish(client, tree).status_code))

    assert run_in_threads(2, allow_and_publish) == []
    allows = sorted(code for what, code in statuses if what == "allow")
    assert allows == [200, 200, 201, 201]
    assert [code for what, code in statuses if what == "publish"] == [200, 200]
    assert SecretAllowance.objects.filter(tree=tree).count() == 2
    tree.refresh_from_db()
    assert tree.status == TreeStatus.PUBLISHED
    assert LibraryStep.objects.filter(source_tree=tree, is_active=True).count() == 3


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_publish_racing_an_allowance_never_publishes_an_unallowed_finding(author, teammate):
    """One author publishes while the other marks the only finding: the publish either waits
    for the allowance and goes through, or comes first and is refused; nothing in between."""
    from steplibrary.tests.threads import run_in_threads

    structure = procedural_structure(2)
    structure["steps"][1]["commands"] = f"aws configure set aws_access_key_id {FAKE_AWS_KEY}"
    tree = TreeFactory(author=author, tree_structure=structure)
    finding = findings_of(client_for(author), tree)[0]
    results: dict[str, int] = {}

    def race(index: int, barrier) -> None:
        barrier.wait(timeout=30)
        if index == 0:
            results["allow"] = allow(client_for(teammate), tree, finding).status_code
        else:
            results["publish"] = publish(client_for(author), tree).status_code

    assert run_in_threads(2, race) == []
    assert results["allow"] == 201
    tree.refresh_from_db()
    if results["publish"] == 200:
        assert tree.status == TreeStatus.PUBLISHED
    else:
        assert results["publish"] == 400
        assert tree.status == TreeStatus.DRAFT
        assert not LibraryStep.objects.filter(source_tree=tree).exists()
