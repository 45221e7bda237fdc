"""The server-rendered repertory pages: browse a framework, read a competence, search; accessible, translated."""

from __future__ import annotations

import re

from django.urls import reverse


def page(client, url: str, status: int = 200, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == status
    return response.content.decode()


def test_home_leads_to_the_open_courses_and_the_repertory_is_one_click_away(client, demo):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == reverse("courses:catalogue")
    html = page(client, reverse("repertory:framework-list"))
    assert "Repertorio regionale delle figure professionali" in html and '<html lang="it">' in html


def test_framework_page_shows_the_tree_down_to_competence_units(client, demo):
    html = page(client, reverse("repertory:framework-detail", args=["RRFP-TOSCANA-DEMO"]))
    assert "Servizi educativi per la prima infanzia" in html
    assert "Educatore per la prima infanzia" in html
    assert "UC-1017" in html and "UC-1017-CAP-1" not in html
    assert "Cronologia delle versioni" in html or "Version history" in html


def test_competence_page_shows_its_capacita_conoscenze_and_crosswalks(client, demo):
    html = page(client, reverse("repertory:competence-detail", args=["RRFP-TOSCANA-DEMO", "UC-1003"]))
    assert "Capacità" in html and "Conoscenze" in html
    assert "Atlante Lavoro" in html and "ADA.22." in html and "http://data.europa.eu/esco/skill/" in html
    assert re.search(r'<nav class="breadcrumbs" aria-label="[^"]+">', html)


def test_pages_switch_to_english(client, demo):
    client.post(reverse("set_language"), {"language": "en", "next": "/repertory/"})
    html = page(client, reverse("repertory:competence-detail", args=["RRFP-TOSCANA-DEMO", "UC-1003"]))
    assert '<html lang="en">' in html and "Skills" in html and "Knowledge" in html


def test_search_page_lists_results_with_links(client, demo):
    html = page(client, reverse("repertory:search"), q="progettazione")
    assert "risultati" in html
    assert reverse("repertory:competence-detail", args=["RRFP-TOSCANA-DEMO", "UC-1017"]) in html


def test_search_page_with_a_bad_page_number_says_so_with_a_400(client, demo):
    html = page(client, reverse("repertory:search"), 400, q="a", page="-3")
    assert "page" in html


def test_unknown_framework_and_competence_pages_are_404(client, demo):
    page(client, reverse("repertory:framework-detail", args=["NOPE"]), 404)
    page(client, reverse("repertory:competence-detail", args=["RRFP-TOSCANA-DEMO", "NOPE"]), 404)
    page(client, reverse("repertory:export", args=["RRFP-TOSCANA-DEMO", "pdf"]), 404)


def test_every_form_field_has_a_label_and_the_page_has_landmarks(client, demo):
    html = page(client, reverse("repertory:search"), q="cura")
    for field_id in re.findall(r'<(?:input|select)[^>]* id="([^"]+)"', html):
        assert f'for="{field_id}"' in html, field_id
    assert '<main id="main"' in html and 'href="#main"' in html and 'role="search"' in html


def test_retired_competences_keep_their_page_with_a_notice(client, rrfp_v1, fixtures_dir):
    from repertory import api

    api.import_framework(fixtures_dir / "rrfp-v2.csv", source_format="rrfp-csv")
    html = page(client, reverse("repertory:competence-detail", args=["RRFP-TEST", "UC-3"]))
    assert "ritirat" in html and "2.0" in html


def test_framework_export_links_download_files(client, demo):
    response = client.get(reverse("repertory:export", args=["RRFP-TOSCANA-DEMO", "openedx-csv"]))
    assert response.status_code == 200 and response.content.startswith(b"id,value,parent_id")
