"""The dashboard over real HTTP: login, cookies, CSRF, expiry, slow-down, and accounts kept apart."""

from __future__ import annotations

import html
import re

import httpx
from click.testing import CliRunner

from exopool.cli import main
from exopool.clock import ManualClock
from exopool.config import Settings
from exopool.db import Database
from exopool.services.api_keys import list_api_keys
from exopool.services.logins import FREE_FAILURES
from exopool.services.phone_numbers import list_phone_numbers, purchase_phone_number
from tests.conftest import Persona
from tests.web.conftest import DashboardUser, csrf_of, field_error, log_in, make_user, post_form, run_curl_line

BOB_NUMBER = "+918048332520"
GENERIC = "The email or password is not right."


def test_pages_need_a_login_and_send_the_visitor_to_the_login_form(web: httpx.Client) -> None:
    response = web.get("/dashboard/numbers")
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard/login?next=/dashboard/numbers"
    assert web.get("/").headers["location"] == "/dashboard/numbers"


def test_login_sets_a_signed_httponly_samesite_cookie_that_opens_the_pages(
    web: httpx.Client, alice_user: DashboardUser,
) -> None:
    response = log_in(web, alice_user.email, alice_user.password)
    assert response.status_code == 303 and response.headers["location"] == "/dashboard/numbers"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/dashboard" in cookie
    assert "Secure" not in cookie and "Max-Age=28800" in cookie
    assert (response.headers["x-frame-options"], response.headers["cache-control"]) == ("DENY", "no-store")
    page = web.get("/dashboard/numbers")
    assert page.status_code == 200 and "No numbers yet" in page.text and "alice" in page.text


def test_the_stylesheet_and_script_are_served_without_a_login(web: httpx.Client) -> None:
    css = web.get("/dashboard/static/dashboard.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert web.get("/dashboard/static/dashboard.js").status_code == 200


def test_session_cookie_is_secure_when_served_over_https(web: httpx.Client) -> None:
    response = web.get("/dashboard/login", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in response.headers["set-cookie"]


def test_forged_session_cookie_is_treated_as_no_session(web: httpx.Client, alice_user: DashboardUser) -> None:
    log_in(web, alice_user.email, alice_user.password)
    value = web.cookies["exopool_session"]
    web.cookies.set("exopool_session", value[:-2] + ("AA" if not value.endswith("AA") else "BB"), path="/dashboard")
    assert web.get("/dashboard/numbers").status_code == 303


def test_wrong_password_and_unknown_email_get_the_same_generic_answer(
    web: httpx.Client, alice_user: DashboardUser,
) -> None:
    wrong = log_in(web, alice_user.email, "not the password")
    unknown = log_in(web, "nobody@example.com", alice_user.password)
    assert wrong.status_code == unknown.status_code == 401
    assert GENERIC in wrong.text and GENERIC in unknown.text
    assert web.get("/dashboard/numbers").status_code == 303


def test_repeated_failures_make_even_the_right_password_wait(
    web: httpx.Client, alice_user: DashboardUser, clock: ManualClock,
) -> None:
    for _ in range(FREE_FAILURES):
        assert log_in(web, alice_user.email, "wrong").status_code == 401
    slowed = log_in(web, alice_user.email, alice_user.password)
    assert slowed.status_code == 429 and slowed.headers["retry-after"] == "2"
    assert "Too many failed logins" in slowed.text
    clock.advance(2)
    assert log_in(web, alice_user.email, alice_user.password).status_code == 303


def test_each_further_failure_doubles_the_wait(
    web: httpx.Client, alice_user: DashboardUser, clock: ManualClock,
) -> None:
    for _ in range(FREE_FAILURES):
        log_in(web, alice_user.email, "wrong")
    clock.advance(2)
    assert log_in(web, alice_user.email, "wrong again").status_code == 401
    assert log_in(web, alice_user.email, alice_user.password).headers["retry-after"] == "4"


def test_form_without_or_with_a_wrong_csrf_token_is_refused_with_403_and_changes_nothing(
    web: httpx.Client, alice_user: DashboardUser, db: Database,
) -> None:
    log_in(web, alice_user.email, alice_user.password)
    before = len(db.transact(list_api_keys, alice_user.persona.account_id))
    for data in ({"label": "sneaky"}, {"label": "sneaky", "csrf_token": "forged"}):
        response = web.post("/dashboard/api-settings/keys", data=data)
        assert response.status_code == 403
        assert "This form could not be accepted" in response.text and "Nothing was changed" in response.text
    assert len(db.transact(list_api_keys, alice_user.persona.account_id)) == before


def test_a_form_larger_than_the_body_limit_is_refused_with_413(web: httpx.Client, alice_user: DashboardUser) -> None:
    log_in(web, alice_user.email, alice_user.password)
    response = post_form(web, "/dashboard/api-settings", "/dashboard/api-settings/keys", label="x" * 70_000)
    assert response.status_code == 413 and "larger than 65536 bytes" in response.text


def test_a_key_label_longer_than_its_column_is_refused_and_creates_no_key(
    web: httpx.Client, alice_user: DashboardUser, db: Database,
) -> None:
    log_in(web, alice_user.email, alice_user.password)
    before = len(db.transact(list_api_keys, alice_user.persona.account_id))
    response = post_form(web, "/dashboard/api-settings", "/dashboard/api-settings/keys", label="x" * 201)
    assert response.status_code == 400 and "Label must be at most 200 characters" in response.text
    assert len(db.transact(list_api_keys, alice_user.persona.account_id)) == before


def test_a_form_body_that_cannot_be_read_is_a_400_page_not_an_api_error(web: httpx.Client) -> None:
    response = web.post("/dashboard/login", content=b"email=a", headers={"Content-Type": "multipart/form-data"})
    assert response.status_code == 400 and response.headers["content-type"].startswith("text/html")
    assert "The multipart body cannot be read: Missing boundary in multipart." in response.text


def test_csrf_token_from_before_login_is_worthless_after_it(web: httpx.Client, alice_user: DashboardUser) -> None:
    old = csrf_of(web.get("/dashboard/login").text)
    log_in(web, alice_user.email, alice_user.password)
    assert web.post("/dashboard/api-settings/keys", data={"csrf_token": old}).status_code == 403


def test_session_expires_after_its_max_age(
    web: httpx.Client, alice_user: DashboardUser, clock: ManualClock, settings: Settings,
) -> None:
    log_in(web, alice_user.email, alice_user.password)
    clock.advance(settings.session_max_age_s - 60)
    assert web.get("/dashboard/api-settings").status_code == 200
    clock.advance(120)
    expired = web.get("/dashboard/api-settings")
    assert expired.status_code == 303 and expired.headers["location"].startswith("/dashboard/login")
    assert "Your session has expired" in web.get(expired.headers["location"]).text


def test_logging_out_voids_the_old_cookie_too(web: httpx.Client, alice_user: DashboardUser) -> None:
    log_in(web, alice_user.email, alice_user.password)
    stolen = web.cookies["exopool_session"]
    assert post_form(web, "/dashboard/numbers", "/dashboard/logout").headers["location"] == "/dashboard/login"
    assert web.get("/dashboard/numbers").status_code == 303
    web.cookies.set("exopool_session", stolen, path="/dashboard")
    assert web.get("/dashboard/numbers").status_code == 303


def test_login_never_redirects_outside_the_dashboard(web: httpx.Client, alice_user: DashboardUser) -> None:
    token = csrf_of(web.get("/dashboard/login").text)
    response = web.post("/dashboard/login", data={"csrf_token": token, "email": alice_user.email,
                                                  "password": alice_user.password, "next": "//evil.example/"})
    assert response.headers["location"] == "/dashboard/numbers"


def test_a_user_never_sees_or_acts_on_another_accounts_numbers_or_keys(
    web: httpx.Client, alice_user: DashboardUser, bob: Persona, db: Database, clock: ManualClock,
) -> None:
    bobs = db.transact(purchase_phone_number, clock, bob.actor, BOB_NUMBER)
    log_in(web, alice_user.email, alice_user.password)
    assert BOB_NUMBER not in web.get("/dashboard/numbers").text
    assert bob.key not in web.get("/dashboard/api-settings").text
    assert BOB_NUMBER not in web.get("/dashboard/events").text
    assert web.get(f"/dashboard/numbers/{bobs.sid}").status_code == 404
    assert web.get(f"/dashboard/numbers/{bobs.sid}/release").status_code == 404
    assert web.get(f"/dashboard/numbers/{bobs.sid}/edit").status_code == 404
    edit = post_form(web, "/dashboard/numbers", f"/dashboard/numbers/{bobs.sid}/edit", friendly_name="mine now")
    release = post_form(web, "/dashboard/numbers", f"/dashboard/numbers/{bobs.sid}/release", confirm=BOB_NUMBER)
    assert edit.status_code == release.status_code == 404
    assert web.get(f"/dashboard/api-settings/keys/{bob.key}/revoke").status_code == 404
    revoke = post_form(web, "/dashboard/api-settings", f"/dashboard/api-settings/keys/{bob.key}/revoke")
    assert revoke.status_code == 404
    still = db.transact(list_phone_numbers, bob.actor).items
    assert [(n.sid, n.friendly_name) for n in still] == [(bobs.sid, bobs.friendly_name)]
    assert all(k.revoked_at is None for k in db.transact(list_api_keys, bob.account_id))


def test_new_key_page_gives_a_curl_line_that_reaches_the_accounts_cluster(
    web: httpx.Client, sam: Persona, db: Database, clock: ManualClock,
) -> None:
    user = make_user(db, clock, sam)
    log_in(web, user.email, user.password)
    created = post_form(web, "/dashboard/api-settings", "/dashboard/api-settings/keys", label="sg app")
    assert created.status_code == 303 and created.headers["location"] == "/dashboard/api-settings"
    page = web.get("/dashboard/api-settings").text
    assert 'id="new-token"' not in web.get("/dashboard/api-settings").text
    token = re.search(r'id="new-token">([0-9a-f]+)<', page).group(1)  # type: ignore[union-attr]
    assert token not in created.headers["set-cookie"]
    assert "api.exotel.com" in page and "Cluster</dt><dd>sg" in page
    line = re.search(r'<textarea id="curl-line"[^>]*>([^<]+)</textarea>', page).group(1)  # type: ignore[union-attr]
    assert "-H &#39;Host: api.exotel.com&#39;" in line
    assert run_curl_line(html.unescape(line)).status_code == 200


def test_release_needs_the_number_typed_exactly(
    web: httpx.Client, alice_user: DashboardUser, db: Database, clock: ManualClock,
) -> None:
    number = db.transact(purchase_phone_number, clock, alice_user.persona.actor, BOB_NUMBER)
    log_in(web, alice_user.email, alice_user.password)
    page = f"/dashboard/numbers/{number.sid}/release"
    refused = post_form(web, page, page, confirm="+918048332599")
    assert refused.status_code == 400 and f"Type {BOB_NUMBER} exactly" in refused.text
    assert len(db.transact(list_phone_numbers, alice_user.persona.actor).items) == 1
    accepted = post_form(web, page, page, confirm="080 4833 2520")
    assert accepted.status_code == 303
    assert "Release of +918048332520 accepted" in web.get("/dashboard/numbers").text
    assert db.transact(list_phone_numbers, alice_user.persona.actor).items == []


def test_editing_with_a_bad_url_shows_the_form_again_with_the_reason(
    web: httpx.Client, alice_user: DashboardUser, db: Database, clock: ManualClock,
) -> None:
    number = db.transact(purchase_phone_number, clock, alice_user.persona.actor, BOB_NUMBER)
    log_in(web, alice_user.email, alice_user.password)
    page = f"/dashboard/numbers/{number.sid}/edit"
    bad = post_form(web, page, page, friendly_name="Support", voice_url="ftp://nope", sms_url="")
    assert bad.status_code == 400
    assert field_error(bad.text, "voice_url") == "Voice URL 'ftp://nope' must be an absolute http or https URL"
    assert 'id="voice_url" name="voice_url" type="url" placeholder="https://example.com/voice" value="ftp://nope" ' \
           'aria-invalid="true" aria-describedby="voice_url-error"' in bad.text
    good = post_form(web, page, page, friendly_name="Support", voice_url="https://example.com/v", sms_url="")
    assert good.status_code == 303 and good.headers["location"] == f"/dashboard/numbers/{number.sid}"
    (saved,) = db.transact(list_phone_numbers, alice_user.persona.actor).items
    assert (saved.friendly_name, saved.voice_url, saved.sms_url) == ("Support", "https://example.com/v", None)


def test_search_with_bad_filters_explains_them_with_a_400(web: httpx.Client, alice_user: DashboardUser) -> None:
    log_in(web, alice_user.email, alice_user.password)
    for field, value, reason in (("contains", "12ab", "Contains digits must be up to 16 digits, not '12ab'"),
                                 ("region", "XX", "Region 'XX' is not an Indian telecom circle"),
                                 ("type", "Fax", "Type 'Fax' is not one of"), ("page", "-1", "Page must be")):
        response = web.get(f"/dashboard/numbers/buy?{field}={value}")
        assert response.status_code == 400, field
        assert (field_error(response.text, field) or "").startswith(reason), field


def test_search_filters_narrow_the_offer_like_the_api(web: httpx.Client, alice_user: DashboardUser) -> None:
    log_in(web, alice_user.email, alice_user.password)
    page = web.get("/dashboard/numbers/buy?country=IN&type=Mobile&region=KA&contains=984500120&sms=yes").text
    assert "+919845001200" in page and "+918048332500" not in page
    assert "No numbers match" in web.get("/dashboard/numbers/buy?type=TollFree&region=KA").text


def test_long_lists_are_paged(web: httpx.Client, alice_user: DashboardUser, db: Database, clock: ManualClock) -> None:
    for i in range(21):
        db.transact(purchase_phone_number, clock, alice_user.persona.actor, f"+9180483325{i:02d}")
        clock.advance(1)
    log_in(web, alice_user.email, alice_user.password)
    first = web.get("/dashboard/numbers").text
    assert "+918048332500" in first and "+918048332520" not in first and "Next" in first
    second = web.get("/dashboard/numbers?page=1").text
    assert "+918048332520" in second and "+918048332500" not in second and "Previous" in second


def test_dashboard_actions_are_events_that_name_the_user(web: httpx.Client, alice_user: DashboardUser) -> None:
    log_in(web, alice_user.email, alice_user.password)
    post_form(web, "/dashboard/numbers/buy", "/dashboard/numbers/buy", phone_number=BOB_NUMBER)
    post_form(web, "/dashboard/api-settings", "/dashboard/api-settings/keys", label="billing")
    events = web.get("/dashboard/events").text
    assert events.index("API key created") < events.index("Number bought")
    assert events.count("user:alice@example.com") == 2


def test_users_create_command_makes_a_user_who_can_log_in(
    settings: Settings, alice: Persona, web: httpx.Client,
) -> None:
    env = {"EXOPOOL_DATABASE_URL": settings.database_url, "EXOPOOL_SECRET_KEY": settings.secret_key,
           "EXOPOOL_DATA_DIR": settings.data_dir}
    prompted = CliRunner().invoke(main, ["users", "create", "--account", "alice", "--email", "Ann@Example.com"],
                                  input="a long password\na long password\n", env=env)
    assert prompted.exit_code == 0, prompted.output
    assert "created user ann@example.com for account alice" in prompted.output
    assert log_in(web, "ann@example.com", "a long password").status_code == 303
    again = CliRunner().invoke(main, ["users", "create", "--account", "alice", "--email", "ann@example.com"],
                               env={**env, "EXOPOOL_USER_PASSWORD": "another password"})
    assert again.exit_code == 1 and "already exists" in again.output


def test_a_key_path_holding_a_nul_is_the_dashboards_404_on_either_engine(
    web: httpx.Client, alice_user: DashboardUser,
) -> None:
    log_in(web, alice_user.email, alice_user.password)
    page = "/dashboard/api-settings/keys/ab%00cd/revoke"
    assert web.get(page).status_code == 404
    token = csrf_of(web.get("/dashboard/api-settings").text)
    answer = web.post(page, data={"csrf_token": token})
    assert answer.status_code == 404 and "text/html" in answer.headers["content-type"]
