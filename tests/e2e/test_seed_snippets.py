"""The snippets of the page this project started from, run against a server process.

Each snippet is kept as the page prints it; only the placeholders are filled and `https://` + the
Exotel host become this server. The DELETE snippets must release (202 and the exact body); the
GET-style ones (Node's `request(options)` defaults to GET, PHP's `Requests::get`, Ruby's
`Net::HTTP.get_response`) must only read the number, never release it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import requests

from exopool.clock import ManualClock
from exopool.config import Settings
from exopool.db import Database
from exopool.services.demo import pool_rows
from exopool.services.pool import import_numbers
from tests.conftest import SECRET, Persona, ServerProcess, make_persona, subprocess_env
from tests.support import SG_LANDLINE, bought_sid, numbers_path

HERE = Path(__file__).parent
ACCEPTED = {"Status": 202, "Message": "Accepted"}
BASE = "https://<your_api_key>:<your_api_token><subdomain>"
SUBDOMAINS = {"in": "@api.in.exotel.com", "sg": "@api.exotel.com"}

CURL = ("curl -X DELETE https://<your_api_key>:<your_api_token><subdomain>/v2_beta/Accounts/<your_sid>"
        "/IncomingPhoneNumbers/<exophone_sid>")
PYTHON = """import requests
requests.delete('https://<your_api_key>:<your_api_token><subdomain>/v2_beta/Accounts/<your_sid>/IncomingPhoneNumbers/<exophone_sid>')"""
NODE = """var request = require('request');
var options = {
    url: 'https://<your_api_key>:<your_api_token><subdomain>/v2_beta/Accounts/<your_sid>/IncomingPhoneNumbers/<exophone_sid>'
};
function callback(error, response, body) {
    if (!error && response.statusCode == 200) {
        console.log(body);
    }
}
request(options, callback);"""
RUBY = """require 'net/http'
require 'uri'
uri = URI.parse("https://<your_api_key>:<your_api_token><subdomain>/v2_beta/Accounts/<your_sid>/IncomingPhoneNumbers/<number_sid>")
response = Net::HTTP.get_response(uri)
# response.code
# response.body"""
# The page's PHP snippet loads the `rmccue/requests` library, which no package registry here offers;
# this is the same GET through PHP's own HTTP client, with the credentials in the URL as on the page.
PHP_EQUIVALENT = ("<?php\n"
                  "$response = file_get_contents('https://<your_api_key>:<your_api_token><subdomain>/v2_beta/Accounts"
                  "/<your_sid>/IncomingPhoneNumbers/<exophone_sid>', false, "
                  "stream_context_create(['http' => ['ignore_errors' => true]]));\n"
                  'echo $http_response_header[0], "\\n", $response;')


def filled(snippet: str, persona: Persona, number_sid: str, origin: str | None = None) -> str:
    """The snippet with its placeholders filled; origin replaces `https://` and the Exotel host."""
    text = (snippet.replace("<your_api_key>", persona.key).replace("<your_api_token>", persona.token)
            .replace("<your_sid>", persona.sid).replace("<exophone_sid>", number_sid)
            .replace("<number_sid>", number_sid))
    if origin is None:
        return text.replace("https://", "http://").replace("<subdomain>", SUBDOMAINS[persona.cluster])
    return text.replace(f"https://{persona.key}:{persona.token}<subdomain>",
                        origin.replace("http://", f"http://{persona.key}:{persona.token}@"))


def still_held(server: ServerProcess, persona: Persona, sid: str) -> bool:
    host = SUBDOMAINS[persona.cluster].lstrip("@")
    response = httpx.get(f"{server.url}{numbers_path(persona)}/{sid}", auth=persona.auth, headers={"Host": host})
    return response.status_code == 200


@dataclass(frozen=True)
class World:
    server: ServerProcess
    alice: Persona
    sam: Persona


@pytest.fixture(scope="module")
def world(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One server process for the module: starting one costs seconds, and each test buys its own numbers."""
    folder = tmp_path_factory.mktemp("seed")
    shutil.copy(sqlite_template, folder / "exopool.db")
    settings = Settings(database_url=f"sqlite:///{folder / 'exopool.db'}", data_dir=str(folder / "data"),
                        secret_key=SECRET, aging_period_s=0)
    db, clock = Database(settings), ManualClock()
    db.transact(import_numbers, clock.now(), pool_rows())
    alice, sam = make_persona(db, clock, "alice", "in"), make_persona(db, clock, "sam", "sg")
    db.dispose()
    with ServerProcess(settings) as server:
        yield World(server, alice, sam)


def buy_through(server: ServerProcess, persona: Persona, number: str) -> str:
    host = SUBDOMAINS[persona.cluster].lstrip("@")
    with httpx.Client(base_url=server.url, headers={"Host": host}) as client:
        return bought_sid(client, persona, number)


def test_seed_curl_command_releases_with_202_and_the_exact_body_in_each_cluster(world: World) -> None:
    seed_server, alice, sam = world.server, world.alice, world.sam
    for persona, number in ((alice, "+918048332510"), (sam, SG_LANDLINE)):
        sid = buy_through(seed_server, persona, number)
        # The exact command of the page with http:// instead of https://; curl connects to this server,
        # so the request still names the account's cluster host, as it would at Exotel.
        command = [
            *filled(CURL, persona, sid).split(),
            "--silent", "--show-error", "--write-out", "\n%{http_code}",
            "--connect-to", f"{SUBDOMAINS[persona.cluster].lstrip('@')}:80:127.0.0.1:{seed_server.port}"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=True)
        body, status = done.stdout.rsplit("\n", 1)
        assert (status, json.loads(body)) == ("202", ACCEPTED), persona.sid
        assert body == '{"Status":202,"Message":"Accepted"}'
        assert not still_held(seed_server, persona, sid)
    # On the server's own address, which means the default cluster (in).
    sid = buy_through(seed_server, alice, "+918048332511")
    command = [*filled(CURL, alice, sid, seed_server.url).split(), "--silent", "--write-out", "\n%{http_code}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=True)
    assert done.stdout == '{"Status":202,"Message":"Accepted"}\n202'


def test_seed_python_line_releases_with_202_and_the_exact_body(world: World) -> None:
    seed_server, alice = world.server, world.alice
    sid = buy_through(seed_server, alice, "+918048332512")
    source = filled(PYTHON, alice, sid, seed_server.url)
    assert source.splitlines()[1] == (f"requests.delete('http://{alice.key}:{alice.token}@127.0.0.1:"
                                      f"{seed_server.port}/v2_beta/Accounts/alice/IncomingPhoneNumbers/{sid}')")
    namespace: dict[str, object] = {}
    first, line = source.splitlines()
    exec(f"{first}\nresponse = {line}", namespace)  # the page's line, its answer kept to look at
    response = namespace["response"]
    assert isinstance(response, requests.Response)
    assert (response.status_code, response.json()) == (202, ACCEPTED)
    assert response.headers["content-type"] == "application/json"
    assert not still_held(seed_server, alice, sid)
    # And the two lines as a program of their own.
    sid = buy_through(seed_server, alice, "+918048332513")
    done = subprocess.run([sys.executable, "-c", filled(PYTHON, alice, sid, seed_server.url)],
                          env=subprocess_env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert not still_held(seed_server, alice, sid)


def node_has_request() -> bool:
    if shutil.which("node") is None:
        return False
    probe = subprocess.run(["node", "-e", "require('request')"], cwd=HERE, capture_output=True, timeout=30)
    return probe.returncode == 0


def test_seed_get_style_snippets_read_the_number_and_never_release_it(world: World) -> None:
    seed_server, alice = world.server, world.alice
    for number, check in (("+918048332514", node_reads), ("+918048332515", php_reads),
                          ("+918048332516", ruby_reads)):
        sid = buy_through(seed_server, alice, number)
        check(seed_server, alice, sid)
        assert still_held(seed_server, alice, sid), check.__name__


def node_reads(seed_server: ServerProcess, alice: Persona, sid: str) -> None:
    url = f"{seed_server.url}{numbers_path(alice)}/{sid}"
    if node_has_request():
        done = subprocess.run(["node", "-e", filled(NODE, alice, sid, seed_server.url)], cwd=HERE,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        printed = done.stdout  # printed only when the status is 200
    else:  # without Node and its `request` package: the same request, a GET with the URL's credentials
        response = requests.get(url.replace("http://", f"http://{alice.key}:{alice.token}@"))
        printed = response.text if response.status_code == 200 else ""
    assert json.loads(printed)["sid"] == sid


def php_reads(seed_server: ServerProcess, alice: Persona, sid: str) -> None:
    if shutil.which("php"):
        done = subprocess.run(["php"], input=filled(PHP_EQUIVALENT, alice, sid, seed_server.url),
                              capture_output=True, text=True, timeout=60)
        status_line, body = done.stdout.split("\n", 1)
    else:
        response = requests.get(f"{seed_server.url.replace('http://', f'http://{alice.key}:{alice.token}@')}"
                                f"{numbers_path(alice)}/{sid}")
        status_line, body = f"HTTP/1.1 {response.status_code}", response.text
    assert status_line.split()[1] == "200"
    assert json.loads(body)["sid"] == sid


RUBY_REPORT = '\nputs response.code\nputs response.body\n'
# Net::HTTP.get_response ignores the credentials in a URL, so the page's snippet as printed sends none;
# handing them over explicitly is the one change that lets Ruby read the number.
RUBY_WITH_CREDENTIALS = RUBY.replace(
    "response = Net::HTTP.get_response(uri)",
    "request = Net::HTTP::Get.new(uri)\nrequest.basic_auth(uri.user, uri.password)\n"
    "response = Net::HTTP.start(uri.hostname, uri.port) { |http| http.request(request) }")


def ruby_reads(seed_server: ServerProcess, alice: Persona, sid: str) -> None:
    if shutil.which("ruby"):
        as_printed = subprocess.run(["ruby"], input=filled(RUBY, alice, sid, seed_server.url) + RUBY_REPORT,
                                    capture_output=True, text=True, timeout=60)
        code, body = as_printed.stdout.split("\n", 1)
        assert code == "401" and json.loads(body)["RestException"]["Code"] == 1010
        with_credentials = subprocess.run(
            ["ruby"], input=filled(RUBY_WITH_CREDENTIALS, alice, sid, seed_server.url) + RUBY_REPORT,
            capture_output=True, text=True, timeout=60)
        code, body = with_credentials.stdout.split("\n", 1)
    else:
        response = requests.get(f"{seed_server.url}{numbers_path(alice)}/{sid}", auth=alice.auth)
        code, body = str(response.status_code), response.text
    assert code == "200" and json.loads(body)["sid"] == sid
