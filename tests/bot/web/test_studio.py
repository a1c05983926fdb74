"""The studio over HTTP: who may do what, saves with their checks and conflicts, the review
steps, the audit export and the accounts page. Training runs: tests/bot/studio."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.auth.accounts import authenticate, create_account
from bot.web.app import app

PASSWORD = "correct horse battery staple"
HERE = "192.0.2.10"  # the client address sign-in failures are counted against
HTML = {"Accept": "text/html"}


@pytest.fixture
def client(web_env: Path) -> TestClient:
    for username, roles in (
        ("edna", ["editor"]),
        ("eli", ["editor"]),
        ("pat", ["editor", "publisher"]),
        ("root", ["admin"]),
        ("caller", ["agent"]),
    ):
        create_account(username, PASSWORD, roles, username.title())
    return TestClient(app)


def sign_in(client: TestClient, username: str) -> str:
    """Signs in and returns the session's CSRF token for the JSON routes."""
    client.cookies.clear()
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    studio = client.get("/studio", headers=HTML)
    assert studio.status_code == 200, studio.text
    return re.search(r'data-csrf-token="([^"]+)"', studio.text).group(1)


def intent(client: TestClient, name: str) -> dict:
    response = client.get(f"/studio/api/intents/{name}")
    assert response.status_code == 200, response.text
    return response.json()


def examples_of(view: dict) -> list[dict]:
    return [{"text": e["text"], "entities": e["entities"]} for e in view["examples"]]


def test_the_studio_needs_a_session_and_a_studio_role(client: TestClient) -> None:
    assert client.get("/studio/api/intents/greet").status_code == 401
    page = client.get("/studio", headers=HTML, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    sign_in_page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', sign_in_page.text).group(1)
    client.post("/login", data={"username": "caller", "password": PASSWORD, "csrf_token": token})
    assert client.get("/studio", headers=HTML).status_code == 403


def test_every_page_renders_for_an_editor(client: TestClient) -> None:
    sign_in(client, "edna")
    for path, expected in (
        ("/studio", "Content studio"),
        ("/studio/intents?q=passport", "status_passport"),
        ("/studio/intents/status_passport", "where is my passport"),
        ("/studio/responses?q=greet", "utter_greet"),
        ("/studio/responses/utter_greet", "Ask the caller"),
        ("/studio/catalog?kind=agencies", "Social Security Administration"),
        ("/studio/catalog/agencies/ssa", "1-800-772-1213"),
        ("/studio/review", "nothing to review"),
        ("/studio/versions", "Imported from the repository"),
        ("/studio/try", "Train the draft"),
        ("/studio/inbox", "Inbox"),
        ("/studio/audit", "import"),
    ):
        page = client.get(path, headers=HTML)
        assert page.status_code == 200, (path, page.text[:300])
        assert expected in page.text, path
    assert client.get("/studio/accounts", headers=HTML).status_code == 403
    assert client.get("/studio/intents/no_such_intent", headers=HTML).status_code == 404


def test_a_save_without_the_csrf_token_is_refused(client: TestClient) -> None:
    sign_in(client, "edna")
    view = intent(client, "greet")
    body = {"examples": examples_of(view), "revision": view["revision"]}
    assert client.put("/studio/api/intents/greet", json=body).status_code == 403


def test_an_editor_saves_examples_and_a_second_editor_gets_a_409_with_the_change(
    client: TestClient,
) -> None:
    edna = sign_in(client, "edna")
    view = intent(client, "greet")
    mine = [*examples_of(view), {"text": "good morning there", "entities": []}]
    saved = client.put(
        "/studio/api/intents/greet",
        json={"examples": mine, "revision": view["revision"]},
        headers={"X-CSRF-Token": edna},
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["item"]["revision"] == view["revision"] + 1

    eli = sign_in(client, "eli")
    theirs = [*examples_of(view), {"text": "yo assistant", "entities": []}]
    stale = client.put(
        "/studio/api/intents/greet",
        json={"examples": theirs, "revision": view["revision"]},
        headers={"X-CSRF-Token": eli},
    )
    assert stale.status_code == 409
    assert "edna saved this" in stale.json()["detail"]
    assert "good morning there" in [e["text"] for e in stale.json()["current"]["examples"]]
    assert "yo assistant" not in [e["text"] for e in intent(client, "greet")["examples"]]


def test_checks_answer_400_in_plain_words_and_nothing_is_saved(client: TestClient) -> None:
    token = sign_in(client, "edna")
    view = intent(client, "greet")
    body = {
        "examples": [*examples_of(view), {"text": "where is my passport", "entities": []}],
        "revision": view["revision"],
    }
    refused = client.put("/studio/api/intents/greet", json=body, headers={"X-CSRF-Token": token})
    assert refused.status_code == 400
    assert "status_passport" in refused.json()["detail"]
    assert intent(client, "greet")["revision"] == view["revision"]
    check = client.post(
        "/studio/api/check-example",
        json={"intent": "greet", "text": "Where is my passport?"},
        headers={"X-CSRF-Token": token},
    )
    assert check.json()["duplicate"]["intent"] == "status_passport"
    malformed = client.put(
        "/studio/api/intents/greet", content=b"{not json", headers={"X-CSRF-Token": token}
    )
    assert 400 <= malformed.status_code < 500


def test_the_review_steps_and_who_may_take_them(client: TestClient) -> None:
    edna = sign_in(client, "edna")
    view = intent(client, "greet")
    client.put(
        "/studio/api/intents/greet",
        json={
            "examples": [*examples_of(view), {"text": "hiya friend", "entities": []}],
            "revision": view["revision"],
        },
        headers={"X-CSRF-Token": edna},
    )
    review = client.get("/studio/review", headers=HTML)
    assert "+ hiya friend" in review.text
    submitted = client.post(
        "/studio/api/review/submit", json={"comment": ""}, headers={"X-CSRF-Token": edna}
    )
    assert submitted.json()["state"] == "in_review"
    # An editor is not a publisher.
    denied = client.post(
        "/studio/api/review/approve", json={"comment": ""}, headers={"X-CSRF-Token": edna}
    )
    assert denied.status_code == 403
    pat = sign_in(client, "pat")
    back = client.post(
        "/studio/api/review/send-back",
        json={"comment": "Use a friendlier greeting."},
        headers={"X-CSRF-Token": pat},
    )
    assert back.json()["state"] == "editing"
    assert "Use a friendlier greeting." in client.get("/studio", headers=HTML).text


def test_the_audit_log_filters_and_exports(client: TestClient) -> None:
    token = sign_in(client, "edna")
    view = intent(client, "thanks")
    client.put(
        "/studio/api/intents/thanks",
        json={
            "examples": [*examples_of(view), {"text": "much obliged", "entities": []}],
            "revision": view["revision"],
        },
        headers={"X-CSRF-Token": token},
    )
    page = client.get("/studio/audit", params={"actor": "edna"}, headers=HTML)
    assert "edit_examples" in page.text and "much obliged" in page.text
    exported = client.get("/studio/audit.csv", params={"actor": "edna"})
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["action"] for r in rows] == ["edit_examples"]
    assert "much obliged" in rows[0]["after"] and "much obliged" not in rows[0]["before"]
    as_json = client.get("/studio/audit.json", params={"item": "thanks"}).json()
    assert as_json[0]["item_key"] == "thanks"
    assert client.get("/studio/audit", params={"since": "yesterday"}).status_code == 400


def test_an_admin_manages_accounts_and_it_is_audited(client: TestClient) -> None:
    token = sign_in(client, "root")
    assert "edna" in client.get("/studio/accounts", headers=HTML).text
    headers = {"X-CSRF-Token": token}
    created = client.post(
        "/studio/api/accounts",
        json={
            "username": "nora",
            "display_name": "Nora",
            "password": PASSWORD,
            "roles": ["editor"],
        },
        headers=headers,
    )
    assert created.json() == {"username": "nora", "roles": ["editor"]}
    weak = client.post(
        "/studio/api/accounts",
        json={"username": "weak", "password": "short", "roles": ["editor"]},
        headers=headers,
    )
    assert weak.status_code == 400 and "12 characters" in weak.json()["detail"]
    roles = client.put(
        "/studio/api/accounts/nora/roles", json={"roles": ["editor", "publisher"]}, headers=headers
    )
    assert roles.json()["roles"] == ["editor", "publisher"]
    assert authenticate("nora", PASSWORD, address=HERE).roles == ("editor", "publisher")
    assert client.post("/studio/api/accounts/root/disable", headers=headers).status_code == 400
    assert client.post("/studio/api/accounts/nora/disable", headers=headers).status_code == 200
    actions = [r["action"] for r in client.get("/studio/audit.json").json()]
    assert actions[:3] == ["disable_account", "set_roles", "create_account"]


def test_an_editor_adds_a_service_to_the_catalog_with_its_checks(client: TestClient) -> None:
    token = sign_in(client, "edna")
    assert "New entry" in client.get("/studio/catalog?kind=services", headers=HTML).text
    assert client.get("/studio/catalog/services/new", headers=HTML).status_code == 200
    service = {
        "id": "ssa_replace_card",
        "agency": "ssa",
        "title": "Replace your Social Security card",
        "summary": "Get a new card if yours is lost or stolen.",
        "url": "http://www.ssa.gov/number-card",
        "phone": "1-800-772-1213",
    }
    headers = {"X-CSRF-Token": token}
    insecure = client.post("/studio/api/catalog/services", json={"data": service}, headers=headers)
    assert insecure.status_code == 400 and "https" in insecure.json()["detail"]
    service["url"] = "https://www.ssa.gov/number-card"
    created = client.post("/studio/api/catalog/services", json={"data": service}, headers=headers)
    assert created.status_code == 200, created.text
    page = client.get("/studio/catalog/services/ssa_replace_card", headers=HTML)
    assert "Replace your Social Security card" in page.text
    again = client.post("/studio/api/catalog/services", json={"data": service}, headers=headers)
    assert again.status_code == 400 and "exists already" in again.json()["detail"]
    review = client.get("/studio/review", headers=HTML).text
    assert "<code>services/ssa_replace_card</code>: added" in review, review[-3000:]
