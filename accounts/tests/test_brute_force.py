"""Password guessing on every sign-in door: the form, admin, and the token endpoint."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.django_db
class TestSignInFormLockout:
    def test_sixty_wrong_passwords_then_the_right_one_is_refused(self, client, author, settings):
        for _ in range(60):
            client.post("/accounts/login/", {"username": "alice", "password": "guess"})
        response = client.post("/accounts/login/", {"username": "alice", "password": "password"})
        assert response.status_code == 429
        assert not is_signed_in(client)
        assert "Too many failed sign-in attempts" in response.content.decode()
        assert 'name="username"' in response.content.decode()  # the form, saying why
        assert client.get("/library/").status_code == 302

    def test_the_limit_comes_from_settings(self, client, author, settings):
        settings.AXES_FAILURE_LIMIT = 3
        statuses = [
            client.post("/accounts/login/", {"username": "alice", "password": "guess"}).status_code
            for _ in range(3)
        ]
        assert statuses == [200, 200, 429]

    def test_a_few_mistakes_do_not_lock_out(self, client, author):
        for _ in range(3):
            client.post("/accounts/login/", {"username": "alice", "password": "guess"})
        response = client.post("/accounts/login/", {"username": "alice", "password": "password"})
        assert response.status_code == 302
        assert is_signed_in(client)

    def test_lockout_is_per_username_and_address(self, client, author, teammate):
        for _ in range(12):
            client.post(
                "/accounts/login/", {"username": "alice", "password": "guess"}, REMOTE_ADDR="198.51.100.1"
            )
        # The same user from another address, and another user from the same one, still sign in.
        elsewhere = client.post(
            "/accounts/login/", {"username": "alice", "password": "password"}, REMOTE_ADDR="198.51.100.2"
        )
        assert elsewhere.status_code == 302
        client.logout()
        teammate_here = client.post(
            "/accounts/login/", {"username": "bob", "password": "password"}, REMOTE_ADDR="198.51.100.1"
        )
        assert teammate_here.status_code == 302

    def test_a_forged_forwarded_for_does_not_escape_the_lockout(self, client, author):
        for index in range(12):
            client.post(
                "/accounts/login/",
                {"username": "alice", "password": "guess"},
                HTTP_X_FORWARDED_FOR=f"203.0.113.{index}",
            )
        response = client.post(
            "/accounts/login/",
            {"username": "alice", "password": "password"},
            HTTP_X_FORWARDED_FOR="192.0.2.99",
        )
        assert response.status_code == 429
        assert not is_signed_in(client)


@pytest.mark.django_db
def test_admin_sign_in_locks_out_too(client, staff):
    for _ in range(60):
        client.post("/admin/login/", {"username": "sam", "password": "guess"})
    response = client.post("/admin/login/?next=/admin/", {"username": "sam", "password": "password"})
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert not is_signed_in(client)
    assert client.get("/admin/").status_code == 302


@pytest.mark.django_db
class TestTokenEndpoint:
    def test_changing_x_forwarded_for_does_not_reset_the_throttle(self, author, settings):
        client = APIClient()
        statuses = [
            client.post(
                "/api/auth/token/",
                # A new username each time: only the address throttle can stop these.
                {"username": f"nobody{index}", "password": "guess"},
                format="json",
                HTTP_X_FORWARDED_FOR=f"203.0.113.{index}",
            ).status_code
            for index in range(25)
        ]
        assert statuses[0] == 400
        assert statuses[-1] == 429
        assert statuses.count(400) == 20  # THROTTLE_TOKEN_RATE's 20/min, whatever the header said

    def test_token_sign_in_shares_the_lockout(self, author):
        client = APIClient()
        for _ in range(12):
            client.post("/api/auth/token/", {"username": "alice", "password": "guess"}, format="json")
        cache.clear()  # the address throttle aside: the username is locked out
        response = client.post(
            "/api/auth/token/", {"username": "alice", "password": "password"}, format="json"
        )
        assert response.status_code == 429
        assert "token" not in response.json()
        assert "Too many failed sign-in attempts" in response.json()["detail"]

    def test_behind_one_trusted_proxy_the_client_address_is_the_proxys_entry(self, author, settings):
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
        client = APIClient()
        for index in range(20):
            client.post(
                "/api/auth/token/",
                {"username": f"nobody{index}", "password": "guess"},
                format="json",
                HTTP_X_FORWARDED_FOR="forged, 203.0.113.1",
            )

        def sign_in_from(forwarded_for: str) -> int:
            return client.post(
                "/api/auth/token/",
                {"username": "alice", "password": "password"},
                format="json",
                HTTP_X_FORWARDED_FOR=forwarded_for,
            ).status_code

        assert sign_in_from("another-forgery, 203.0.113.1") == 429  # the same client
        assert sign_in_from("203.0.113.2") == 200  # another client
