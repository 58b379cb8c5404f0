"""The web UI in a real headless Chromium (Debian's chromium + chromedriver, driven by Selenium):
the jobs page lists a running job, its page draws the operator graph and the metrics move."""

from __future__ import annotations

import shutil

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

JOB = """
CREATE TABLE gen (id INT) WITH ('connector' = 'datagen', 'rows-per-second' = '300');
CREATE TABLE sink (k INT, c BIGINT) WITH ('connector' = 'blackhole');
SET 'pipeline.name' = 'ui <b>job</b>';
INSERT INTO sink SELECT id % 3, COUNT(*) FROM gen GROUP BY id % 3;
"""


@pytest.fixture
def browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if chromium is None or driver_path is None:
        pytest.fail("the browser test needs Chromium and its driver: apt-get install -y chromium chromium-driver "
                    "(.ci/run installs them)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,900"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    yield driver
    driver.quit()


def test_the_ui_shows_a_running_job_and_its_operator_graph(server, browser):
    status, answer = server.statements(JOB)
    assert status == 200, answer
    job_id = answer["jobs"][0]
    wait = WebDriverWait(browser, 30)

    # The page redraws on every poll, so each look finds its elements afresh (in one script).
    browser.get(f"{server.url}/#token={server.token}")
    row_text = f'return document.querySelector(\'tr.job[data-job-id="{job_id}"]\')?.textContent || ""'
    wait.until(lambda b: "RUNNING" in b.execute_script(row_text))
    assert "ui <b>job</b>" in browser.execute_script(row_text)  # the name as text, not markup
    assert "token=" not in browser.current_url  # the token left the address bar

    browser.find_element(By.LINK_TEXT, "ui <b>job</b>").click()
    names = wait.until(lambda b: b.execute_script(
        "return [...document.querySelectorAll('svg#graph g.node text.title')].map(t => t.textContent)") or None)
    assert names[0] == "Source: gen"
    assert "GroupAggregate" in names and names[-1] == "Sink: blackhole"
    edges = browser.execute_script("return document.querySelectorAll('svg#graph path.edge').length")
    assert edges == len(names) - 1
    # The aggregate's box shows its changelog mode; its rates come from polling and start moving.
    aggregate = ("return [...document.querySelectorAll('svg#graph g.node')]"
                 ".find(g => g.querySelector('text.title').textContent === 'GroupAggregate').textContent")
    assert "changelog [I,UB,UA,D]" in browser.execute_script(aggregate)
    wait.until(lambda b: "in 0/s" not in b.execute_script(aggregate))
    assert browser.find_element(By.CSS_SELECTOR, "#operators tbody tr").is_displayed()

    browser.find_element(By.ID, "job-cancel").click()
    wait.until(lambda b: "CANCELED" in b.find_element(By.ID, "job-status").text)
    assert server.env.jobs.get(job_id).status.state == "CANCELED"


def test_the_ui_asks_for_the_token_when_it_has_none(server, browser):
    browser.get(server.url + "/")
    form = WebDriverWait(browser, 30).until(lambda b: b.find_element(By.ID, "token-form"))
    WebDriverWait(browser, 30).until(lambda b: form.is_displayed())
    browser.find_element(By.ID, "token-input").send_keys(server.token)
    browser.find_element(By.CSS_SELECTOR, "#token-form button").click()
    WebDriverWait(browser, 30).until(lambda b: b.find_element(By.ID, "jobs-view").is_displayed())
