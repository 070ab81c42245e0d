"""``reply_clean``: the newest part of a reply, Greek and English quote headers and
signatures (mail-parser-reply plus our Greek patterns); never nothing."""

import pytest

from supportdesk.mail.replies import reply_clean


@pytest.mark.parametrize(("text", "expected"), [
    # Gmail, Greek (one line, and wrapped onto two)
    ("Λύθηκε.\n\nΣτις Δευ, 1 Δεκ 2026 στις 10:00, ο/η Χ <x@example.gr> έγραψε:\n> παλιό",
     "Λύθηκε."),
    ("Λύθηκε.\n\nΣτις Δευ, 1 Δεκ 2026 στις 10:00, ο/η Χ <\nx@example.gr> έγραψε:\n> παλιό",
     "Λύθηκε."),
    # Thunderbird / Apple Mail, Greek
    ("Εντάξει.\n\nΣτις 1/12/2026 10:00 π.μ., ο/η Χ έγραψε:\n> παλιό", "Εντάξει."),
    ("Εντάξει.\n\nΣτις 1 Δεκ 2026, στις 10:00, ο/η Χ <x@y> έγραψε:\n\n> παλιό", "Εντάξει."),
    # Outlook, Greek and English header blocks, "Original Message" separators
    ("Νέο.\n\nΑπό: Χ <x@y>\nΣτάλθηκε: Δευτέρα, 1 Δεκεμβρίου 2026 10:00 πμ\nΠρος: Ψ\n"
     "Θέμα: RE: Δοκιμή\n\nπαλιό", "Νέο."),
    ("New.\n\nFrom: X <x@y>\nSent: Monday, 1 December 2026 10:00\nTo: Y\nSubject: RE: t\n\nold",
     "New."),
    ("Νέο.\n\n-----Αρχικό μήνυμα-----\nπαλιό", "Νέο."),
    ("New.\n\n-----Original Message-----\nold", "New."),
    # English Gmail / Apple
    ("Works.\n\nOn Mon, 1 Dec 2026 at 10:00, X <x@y> wrote:\n> old", "Works."),
    # Signatures, Greek and English
    ("Ναι.\n\nΜε εκτίμηση,\nΜαρία Π.\nΚοσμήματα Άλφα", "Ναι."),
    ("Ναι.\n\nΕστάλη από το iPhone μου", "Ναι."),
    ("Yes.\n\n-- \nMaria\n+30 210 0000000", "Yes."),
    ("Yes.\n\nBest regards,\nMaria", "Yes."),
    ("Yes.\n\nSent from my iPhone", "Yes."),
    # Trailing ">" quote without a header line
    ("Ναι, αυτό.\n\n> το παλιό κείμενο\n> συνεχίζει", "Ναι, αυτό."),
])
def test_the_quote_and_signature_are_cut(text, expected):
    assert reply_clean(text) == expected


@pytest.mark.parametrize("text", [
    "Ευχαριστώ, αλλά δεν δουλεύει ακόμα.",
    "Thanks, but it still fails at startup.",
    "Βήματα:\n- άνοιξα το πρόγραμμα\n- πάτησα εκτύπωση",
    "Χωρίς τίποτα να κοπεί.\nΔεύτερη γραμμή.",
])
def test_the_reply_itself_is_kept(text):
    assert reply_clean(text) == text


@pytest.mark.parametrize("text", ["> όλο παράθεση\n> εδώ", "", "   "])
def test_never_nothing(text):
    assert reply_clean(text) == text
