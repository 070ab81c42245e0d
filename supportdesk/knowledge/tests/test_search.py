"""Greek search on both databases (docs/security.md #34): accents, case and final sigma are
ignored in titles and texts ("εκτυπωτης" finds "ΕΚΤΥΠΩΤΉΣ"), results are ranked (a word in
the title first), and snippets mark the matches in the original text, escaped."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supportdesk.knowledge.models import Article
from supportdesk.knowledge.selectors import article_search
from supportdesk.knowledge.services import article_create, article_update
from supportdesk.knowledge.text import search_terms, snippet

pytestmark = pytest.mark.django_db


def _ids(query: str) -> set[int]:
    return {hit.article.pk for hit in article_search(qs=Article.objects.all(), query=query)}


@pytest.mark.parametrize("query", ["εκτυπωτης", "ΕΚΤΥΠΩΤΗΣ", "Εκτυπωτής", "εκτυπωτησ",
                                   "ΕΚΤΥΠΩΤΉΣ", "εκτυπ"])
def test_accents_case_and_final_sigma_are_ignored(kb, query):
    assert kb["published"].pk in _ids(query)
    assert kb["draft"].pk in _ids(query)  # staff search: every article


def test_the_text_is_searched_too_and_every_word_must_match(kb):
    assert _ids("οδηγο εγκαταστηστε") == {kb["published"].pk}
    assert _ids("οδηγο ανυπαρκτολεξη") == set()


def test_the_english_text_is_searched(kb):
    assert kb["published"].pk in _ids("PRINTER")


def test_a_word_in_the_title_ranks_first(kb, technician):
    body_only = article_create(by=technician, title_el="Ρυθμίσεις ταμειακής",
                               body_el="Ελέγξτε το ΦΗΜ και μετά τον εκτυπωτή.",
                               visibility="customers")
    in_title = article_create(by=technician, title_el="ΦΗΜ: σύνδεση", body_el="Βήματα.",
                              visibility="customers")
    ranked = [h.article.pk for h in article_search(qs=Article.objects.all(), query="φημ")]
    assert ranked.index(in_title.pk) < ranked.index(body_only.pk)


def test_a_changed_article_is_found_by_its_new_words(kb, technician):
    article_update(article=kb["general"], by=technician, body_el="Νέο κείμενο για ΖΥΓΑΡΙΆ.")
    assert _ids("ζυγαρια") == {kb["general"].pk}
    assert _ids("ανοιγω") == {kb["general"].pk}  # the title still


def test_punctuation_and_sql_in_the_query_are_just_words(kb):
    assert _ids("'; DROP TABLE knowledge_article; --") == set()
    assert _ids(":* & | ! ( )") == set()
    assert _ids("εκτυπωτης!!!") >= {kb["published"].pk}
    assert Article.objects.count() == 6


def test_snippets_mark_the_match_in_the_original_and_escape_the_rest(kb, technician):
    article = article_create(by=technician, title_el="<b>ΕΚΤΥΠΩΤΉΣ</b>",
                             body_el="Αν ο ΕΚΤΥΠΩΤΉΣ <script>x</script> δεν τυπώνει",
                             visibility="staff")
    hit = next(h for h in article_search(qs=Article.objects.all(), query="εκτυπωτης")
               if h.article.pk == article.pk)
    assert str(hit.title.html()) == "&lt;b&gt;<mark>ΕΚΤΥΠΩΤΉΣ</mark>&lt;/b&gt;"
    assert "<mark>ΕΚΤΥΠΩΤΉΣ</mark>" in hit.body.html()
    assert "<script>" not in hit.body.html()


@given(st.text(alphabet="αάβγεέηήιίϊΐοόσςυύΰωώΑΆΣΩΏ .,", max_size=80),
       st.text(alphabet="αβγεηιοσςυωΑΣΏ", min_size=1, max_size=5))
def test_a_snippet_is_a_piece_of_the_text_and_marks_only_matches(text, word):
    terms = search_terms(word)
    parts = snippet(text, terms, width=500).parts
    joined = "".join(p for p, _hit in parts)
    assert joined.replace("…", "") in " ".join(text.split())
    for piece, hit in parts:
        if hit:
            assert search_terms(piece) and any(t in "".join(search_terms(piece)) for t in terms)
