"""In headless Chromium: a harness page plays the platform, with Tosca in its frame. The browser loses Tosca's
state cookie between login and launch (as browsers that refuse cookies in frames do), and the launch still
goes through, because Tosca kept its state in the platform's frame (lti.put_data / lti.get_data)."""

from __future__ import annotations

import html
import json
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.core.management import call_command
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from lti_tool import api
from lti_tool.data import CLAIM
from tests.lti_tool.conftest import CLIENT_ID, DEPLOYMENT, ISSUER, Platform

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.storage_only]

HARNESS = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Platform</title></head><body>
<h1>Course page of the platform</h1>
<iframe name="tool" id="tool" title="Tosca" src="%(login)s" width="1000" height="700"></iframe>
<script>
  // The platform's storage for the tool in its frame (LTI platform storage), answering only the tool's origin.
  var store = {};
  window.ltiLog = [];
  window.addEventListener("message", function (event) {
    if (event.origin !== %(tool_origin)s) { window.ltiLog.push("ignored " + event.origin); return; }
    var data = event.data || {};
    window.ltiLog.push(data.subject);
    if (data.subject === "lti.put_data") {
      store[data.key] = data.value;
      event.source.postMessage({subject: "lti.put_data.response", message_id: data.message_id,
                                key: data.key, value: data.value}, event.origin);
    } else if (data.subject === "lti.get_data") {
      event.source.postMessage({subject: "lti.get_data.response", message_id: data.message_id,
                                key: data.key, value: store[data.key]}, event.origin);
    }
  });
</script></body></html>"""

AUTH_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Platform sign-in</title></head><body>
<form id="answer" method="post" action="%(redirect)s">
<input type="hidden" name="id_token" value="%(token)s"><input type="hidden" name="state" value="%(state)s">
<button type="submit" id="continue">Continue to the tool</button></form></body></html>"""


@pytest.fixture
def harness(live_server, http_server, settings):
    """The platform, on the same host as Tosca but another port: another origin, as a platform is."""
    settings.TOSCA_DESTINATIONS = [{"name": "local", "type": "local"}]
    call_command("load_demo", verbosity=0)
    tool = urlsplit(live_server.url)
    platform_origin = f"http://{tool.hostname}:{http_server.server.server_address[1]}"
    platform = Platform(http_server)
    api.add_registration(
        ISSUER,
        CLIENT_ID,
        auth_login_url=platform_origin + "/auth",
        keyset_url=platform.keyset_url,
        deployments=[DEPLOYMENT],
    )
    launch_url = live_server.url + "/lti/launch/"
    login = (
        live_server.url
        + "/lti/login/?"
        + urlencode(
            {
                "iss": ISSUER,
                "login_hint": "learner-42",
                "target_link_uri": launch_url,
                "client_id": CLIENT_ID,
                "lti_deployment_id": DEPLOYMENT,
                "lti_storage_target": "_parent",
            }
        )
    )
    page = HARNESS % {"login": html.escape(login), "tool_origin": json.dumps(live_server.url)}
    http_server.routes[("GET", "/platform.html")] = lambda handler, body: (
        200,
        {"Content-Type": "text/html; charset=utf-8"},
        page.encode(),
    )

    def auth(handler, body):
        query = {name: values[0] for name, values in parse_qs(urlsplit(handler.path).query).items()}
        token = platform.sign(platform.claims(query["nonce"], **{CLAIM + "target_link_uri": launch_url}))
        answer = AUTH_PAGE % {
            "redirect": html.escape(query["redirect_uri"]),
            "token": token,
            "state": html.escape(query["state"]),
        }
        return 200, {"Content-Type": "text/html; charset=utf-8"}, answer.encode()

    http_server.routes[("GET", "/auth")] = auth
    return platform_origin + "/platform.html"


def test_a_launch_without_its_state_cookie_goes_through_with_the_platforms_storage(browser, harness):
    wait = WebDriverWait(browser, 20)
    browser.get(harness)
    wait.until(ec.frame_to_be_available_and_switch_to_it((By.NAME, "tool")))
    # The tool put its state in the platform's storage and sent the frame on to the platform's sign-in.
    wait.until(ec.element_to_be_clickable((By.ID, "continue")))
    browser.switch_to.default_content()
    assert "lti.put_data" in browser.execute_script("return window.ltiLog")
    browser.execute_cdp_cmd("Network.clearBrowserCookies", {})  # the frame's cookie is gone

    browser.switch_to.frame("tool")
    browser.find_element(By.ID, "continue").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "body"), "Co-progettare un progetto FSE+"))
    browser.switch_to.default_content()
    log = browser.execute_script("return window.ltiLog")
    assert log.count("lti.get_data") == 1, log
    assert not [entry for entry in log if entry.startswith("ignored")], log


def test_without_cookie_or_platform_storage_the_learner_is_offered_a_new_window(browser, harness):
    wait = WebDriverWait(browser, 20)
    browser.get(harness.replace("/platform.html", "/platform.html"))
    # A platform that offers no storage: the same login without lti_storage_target.
    browser.execute_script(
        "var frame = document.getElementById('tool');frame.src = frame.src.replace('&lti_storage_target=_parent', '');"
    )
    wait.until(ec.frame_to_be_available_and_switch_to_it((By.NAME, "tool")))
    wait.until(ec.element_to_be_clickable((By.ID, "continue")))
    browser.switch_to.default_content()
    browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
    browser.switch_to.frame("tool")
    browser.find_element(By.ID, "continue").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "body"), "Open the module in a new window"))
    button = browser.find_element(By.XPATH, "//button[contains(., 'Open the module in a new window')]")
    assert (
        button.get_attribute("form") is None
        or button.find_element(By.XPATH, "./..").get_attribute("target") == "_blank"
    )
