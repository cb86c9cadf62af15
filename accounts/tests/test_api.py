"""Token sign-in, sign-out and revocation, from the client's and the attacker's side."""

import pytest
from django.core.cache import cache
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.services import token_create


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def sign_in(username="alice", password="password", **extra):  # noqa: S107 (the test users' password)
    return APIClient().post(
        "/api/auth/token/", {"username": username, "password": password}, format="json", **extra
    )


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.mark.django_db
class TestTokenSignIn:
    def test_token_and_expiry_are_returned_and_only_a_hash_is_stored(self, author):
        response = sign_in()
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"token", "expiry"}
        stored = AuthToken.objects.get(user=author)
        assert body["token"] not in (stored.digest, stored.token_key)
        assert stored.expiry is not None
        assert client_with(body["token"]).get("/api/steps/").status_code == 200

    def test_each_sign_in_gets_its_own_token(self, author):
        first, second = sign_in().json()["token"], sign_in().json()["token"]
        assert first != second
        assert AuthToken.objects.filter(user=author).count() == 2

    def test_an_expired_token_is_refused(self, author):
        token = sign_in().json()["token"]
        AuthToken.objects.filter(user=author).update(expiry="2000-01-01T00:00:00Z")
        assert client_with(token).get("/api/steps/").status_code == 401

    def test_an_old_plain_drf_token_is_refused(self, author):
        assert client_with("9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b").get("/api/steps/").status_code == 401

    @pytest.mark.parametrize(
        "header",
        ["Token \u00ff\u00fe", "Token abc\x00def", "Token " + "a" * 5000, "Token a b", "Token"],
    )
    def test_hostile_authorization_headers_are_401_not_500(self, author, header):
        response = APIClient().get("/api/steps/", HTTP_AUTHORIZATION=header)
        assert response.status_code == 401
        assert "detail" in response.json()

    @pytest.mark.parametrize(
        "body",
        [
            '{"username": "alice\\u0000", "password": "password"}',
            '{"username": "\\ud800", "password": "password"}',
            '{"username": "alice", "password": "\\ud800"}',
            '{"username": ["alice"], "password": "password"}',
            "{}",
            "[1, 2]",
        ],
    )
    def test_hostile_credentials_are_400_not_500(self, author, body):
        # Raw JSON text: the test client's own encoder would refuse a lone surrogate.
        response = APIClient().post("/api/auth/token/", body, content_type="application/json")
        assert response.status_code == 400
        assert not AuthToken.objects.exists()

    def test_a_user_without_a_team_gets_a_token_too(self, loner):
        assert sign_in("dan").status_code == 200


@pytest.mark.django_db
class TestSignOut:
    def test_logout_revokes_only_this_token(self, author):
        kept, revoked = sign_in().json()["token"], sign_in().json()["token"]
        assert client_with(revoked).post("/api/auth/logout/").status_code == 204
        assert client_with(revoked).get("/api/steps/").status_code == 401
        assert client_with(kept).get("/api/steps/").status_code == 200

    def test_logout_all_revokes_every_token_of_the_user_only(self, author, teammate):
        mine = [sign_in().json()["token"] for _ in range(3)]
        theirs = sign_in("bob").json()["token"]
        assert client_with(mine[0]).post("/api/auth/logout-all/").status_code == 204
        assert all(client_with(token).get("/api/steps/").status_code == 401 for token in mine)
        assert client_with(theirs).get("/api/steps/").status_code == 200

    def test_a_browser_session_can_revoke_all_tokens(self, author):
        token = sign_in().json()["token"]
        browser = APIClient()
        browser.force_login(author)
        assert browser.post("/api/auth/logout-all/").status_code == 204
        assert client_with(token).get("/api/steps/").status_code == 401

    def test_anonymous_logout_is_401(self, author):
        assert APIClient().post("/api/auth/logout/").status_code == 401
        assert APIClient().post("/api/auth/logout-all/").status_code == 401

    def test_one_user_cannot_revoke_another_users_token(self, author, outsider):
        alice = sign_in().json()["token"]
        carol = sign_in("carol").json()["token"]
        client_with(carol).post("/api/auth/logout-all/")
        assert client_with(alice).get("/api/steps/").status_code == 200


@pytest.mark.django_db
class TestPasswordChangeRevokesTokens:
    def test_set_password_and_save(self, author, teammate):
        token = sign_in().json()["token"]
        other = token_create(user=teammate)[1]
        author.set_password("a-new-long-password-1")
        author.save()
        assert client_with(token).get("/api/steps/").status_code == 401
        assert client_with(other).get("/api/steps/").status_code == 200

    def test_other_saves_keep_tokens(self, author):
        token = sign_in().json()["token"]
        author.refresh_from_db()
        author.first_name = "Alice"
        author.save()
        assert client_with(token).get("/api/steps/").status_code == 200

    def test_password_change_view(self, client, staff):
        token = sign_in("sam").json()["token"]
        client.force_login(staff)
        response = client.post(
            "/admin/password_change/",
            {
                "old_password": "password",
                "new_password1": "a-new-long-password-1",
                "new_password2": "a-new-long-password-1",
            },
        )
        assert response.status_code == 302
        assert response["Location"] == "/admin/password_change/done/"
        assert client_with(token).get("/api/steps/").status_code == 401

    def test_admin_sets_a_users_password(self, client, author, staff):
        staff.is_superuser = True
        staff.save()
        token = sign_in().json()["token"]
        client.force_login(staff)
        response = client.post(
            f"/admin/accounts/user/{author.pk}/password/",
            {
                "password1": "a-new-long-password-1",
                "password2": "a-new-long-password-1",
                "usable_password": "true",
            },
        )
        assert response.status_code == 302
        assert response["Location"] == f"/admin/accounts/user/{author.pk}/change/"
        assert client_with(token).get("/api/steps/").status_code == 401
        assert AuthToken.objects.filter(user=author).count() == 0


@pytest.mark.django_db
class TestAuthentication:
    def test_token_round_trip(self, author):
        client = APIClient()
        response = client.post(
            "/api/auth/token/", {"username": "alice", "password": "password"}, format="json"
        )
        assert response.status_code == 200
        token = response.json()["token"]
        assert AuthToken.objects.filter(user=author).count() == 1
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert client.get("/api/steps/").status_code == 200

    def test_wrong_password_is_a_400(self, author):
        response = APIClient().post(
            "/api/auth/token/", {"username": "alice", "password": "nope"}, format="json"
        )
        assert response.status_code == 400

    def test_anonymous_gets_401(self):
        assert APIClient().get("/api/steps/").status_code == 401

    def test_token_requests_are_throttled(self, author, settings):
        cache.clear()
        client = APIClient()
        statuses = [
            client.post(
                "/api/auth/token/", {"username": "alice", "password": "nope"}, format="json"
            ).status_code
            for _ in range(25)
        ]
        assert statuses[0] == 400
        assert statuses[-1] == 429
        cache.clear()

    def test_session_writes_need_csrf(self, author):
        client = APIClient(enforce_csrf_checks=True)
        client.force_login(author)
        response = client.post("/api/steps/", {"title": "X", "content": {"instructions": "Y"}}, format="json")
        assert response.status_code == 403
        assert "CSRF" in response.json()["detail"]
