import pytest

from supportdesk.common.text import clean_text, fold


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("καφε", "ΚΑΦΈ"),
        ("λογισμικο", "Λογισμικό"),
        ("ΛΟΓΙΣΜΙΚΟ", "λογισμικό"),
        ("σας", "ΣΑΣ"),          # final sigma
        ("ταμειακη", "Ταμειακής"),  # final sigma + accent, as a substring
        ("χρυσοχοια", "Χρυσοχοΐα"),  # dialytika + tonos
        ("cafe", "CAFÉ"),
    ],
)
def test_fold_matches_greek_regardless_of_accents_case_and_final_sigma(typed, stored):
    assert fold(typed) in fold(stored)


def test_fold_collapses_whitespace():
    assert fold("  Ερμού \n 10 ") == "ερμου 10"


def test_clean_text_drops_nul_and_controls_but_keeps_newlines():
    assert clean_text("a\x00b\x07c\nd\te") == "abc\nd\te"
