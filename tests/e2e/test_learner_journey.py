"""A new citizen, in a real browser (headless Debian Chromium): registers, opens the demo course, finishes a
module and passes its quiz, then finds the module's competences attested in their libretto. The learner pages
are checked with axe-core on the way: no serious or critical WCAG 2.1 A/AA violation."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from lxml import etree
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.conftest import DEMO
from tests.peers.browser import axe_violations, click_and_wait_for_next_page, describe_violations

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.storage_only]
COURSE = "course-v1:RegioneToscana+TRIO-RETI+2026"


def correct_choice(module: str) -> str:
    tree = etree.parse(str(DEMO.parent / "course" / "tosca_module" / f"{module}.xml"))
    return tree.find(".//tosca_quiz/choice[@correct='true']").get("id")


@pytest.fixture
def site(live_server, settings):
    settings.TOSCA_SYNC_DISPATCH = "inline"
    call_command("load_demo")
    return live_server.url


def accessible(browser, axe, page: str) -> None:
    violations = axe_violations(browser, axe_script=axe)
    assert not violations, f"{page}:\n{describe_violations(violations)}"


def test_a_new_learner_completes_a_module_and_finds_its_competences_in_the_libretto(site, browser, axe):
    wait = WebDriverWait(browser, 20)
    browser.get(f"{site}/accounts/register/")
    accessible(browser, axe, "registration")
    browser.find_element(By.NAME, "email").send_keys("cittadina@example.org")
    browser.find_element(By.NAME, "password1").send_keys("una-Password-lunga-42")
    browser.find_element(By.NAME, "password2").send_keys("una-Password-lunga-42")
    click_and_wait_for_next_page(browser, browser.find_element(By.CSS_SELECTOR, "main form [type=submit]"))
    assert "/courses/mine/" in browser.current_url  # registered and signed in

    browser.get(f"{site}/courses/")
    accessible(browser, axe, "catalogue")
    click_and_wait_for_next_page(browser, browser.find_element(By.PARTIAL_LINK_TEXT, "Lavorare in rete"))
    accessible(browser, axe, "course page")
    click_and_wait_for_next_page(browser, browser.find_element(By.CSS_SELECTOR, "form[action*=enrol] [type=submit]"))
    assert "You are enrolled" in browser.find_element(By.TAG_NAME, "main").text

    browser.get(f"{site}/courses/{COURSE}/m/m1/")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".tosca-module")))
    accessible(browser, axe, "module page")
    for text in browser.find_elements(By.CSS_SELECTOR, "[data-init=ToscaHtml]"):
        browser.execute_script("arguments[0].scrollIntoView()", text)  # a text counts as read once seen
        wait.until(lambda driver, text=text: text.get_attribute("data-viewed") == "true")
    watched = browser.find_element(By.CSS_SELECTOR, ".tosca-mark-watched")
    browser.execute_script("arguments[0].scrollIntoView()", watched)
    watched.click()
    wait.until(lambda driver: watched.get_attribute("disabled"))
    choice = browser.find_element(By.CSS_SELECTOR, f".tosca-quiz input[value='{correct_choice('m1')}']")
    browser.execute_script("arguments[0].scrollIntoView()", choice)
    choice.click()
    browser.find_element(By.CSS_SELECTOR, ".tosca-quiz button[type=submit]").click()
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".tosca-quiz .tosca-message"), "Correct"))
    try:
        wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".tosca-module-status"), "Module completed"))
    except TimeoutException:
        status = browser.find_element(By.CSS_SELECTOR, ".tosca-module-status").text
        logs = browser.get_log("browser") if hasattr(browser, "get_log") else []
        raise AssertionError(f"the module did not complete; it says: {status!r}; console: {logs}") from None
    accessible(browser, axe, "module page, completed")

    browser.get(f"{site}/courses/mine/")
    accessible(browser, axe, "dashboard")
    assert "1 of 3 modules completed" in browser.find_element(By.TAG_NAME, "main").text

    browser.get(f"{site}/libretto/")
    for code in ("UC-1010", "UC-1033"):
        entry = browser.find_element(By.XPATH, f"//article[contains(@class, 'entry')][.//span[.='{code}']]")
        assert "status-attested" in entry.get_attribute("class"), code
    accessible(browser, axe, "libretto")
