"""The demo's knowledge base (issue 15): a dozen articles a Jewelsoft technician would write
(receipt printers, the fiscal device, the steps after an update, barcode labels, the
scale), in Greek with most in English too; three for staff only, one draft, one for
customers entitled to updates (§4); and a few weeks of the portal's suggestions, some
opened, some that solved the problem without a request. Written through the services."""

from __future__ import annotations

import random

from supportdesk.accounts.models import User
from supportdesk.catalog.models import Product
from supportdesk.knowledge.models import Article
from supportdesk.knowledge.selectors import articles_for_customer
from supportdesk.knowledge.services import (
    article_create,
    article_update,
    deflection_record,
    suggestion_opened,
    suggestions_record,
)

# (product code or None, kind, visibility, entitled only, Greek title, Greek text,
#  English title, English text)
ARTICLES = [
    ("jewel-pos", "program_fault", "customers", False,
     "Ο εκτυπωτής αποδείξεων δεν τυπώνει μετά την ενημέρωση",
     "Μετά από ενημέρωση των Windows ο οδηγός του εκτυπωτή αποδείξεων συχνά αντικαθίσταται "
     "από έναν γενικό.\n\n1. Ανοίξτε **Ρυθμίσεις → Εκτυπωτές** στο Jewelsoft.\n"
     "2. Επιλέξτε τον εκτυπωτή αποδείξεων και πατήστε **Δοκιμαστική εκτύπωση**.\n"
     "3. Αν δεν τυπώνει, εγκαταστήστε ξανά τον οδηγό από το μενού **Βοήθεια → Οδηγοί**.\n"
     "4. Κάντε επανεκκίνηση του υπολογιστή του ταμείου.",
     "The receipt printer does not print after an update",
     "A Windows update often replaces the receipt printer's driver with a generic one.\n\n"
     "1. Go to **Settings → Printers** in Jewelsoft.\n2. Choose the receipt printer and press "
     "**Test print**.\n3. If nothing prints, reinstall the driver from **Help → Drivers**.\n"
     "4. Restart the till computer."),
    ("jewel-pos", "how_to", "customers", False,
     "Ρυθμίσεις ΦΗΜ: σύνδεση της ταμειακής μηχανής",
     "Ο φορολογικός ηλεκτρονικός μηχανισμός (ΦΗΜ) συνδέεται στη θύρα που ορίζεται στις "
     "ρυθμίσεις.\n\n- Ελέγξτε ότι το καλώδιο USB είναι στη θέση του.\n- Στο Jewelsoft: "
     "**Ρυθμίσεις → Ταμειακή → Θύρα**, επιλέξτε τη θύρα COM που δείχνουν τα Windows.\n"
     "- Πατήστε **Έλεγχος σύνδεσης**: πρέπει να εμφανιστεί ο αριθμός μητρώου του ΦΗΜ.",
     "Fiscal device settings: connecting the cash register",
     "The fiscal device connects on the port set in the settings.\n\n- Check the USB cable."
     "\n- In Jewelsoft: **Settings → Fiscal device → Port**, choose the COM port Windows "
     "shows.\n- Press **Check connection**: the device's registration number must appear."),
    ("jewel-pos", "how_to", "customers", False,
     "Κλείσιμο ημέρας και Ζ ταμειακής",
     "Το κλείσιμο ημέρας εκδίδει το Ζ του ΦΗΜ και μηδενίζει τα ημερήσια σύνολα.\n\n"
     "1. **Ταμείο → Κλείσιμο ημέρας**.\n2. Ελέγξτε τα σύνολα μετρητών και καρτών.\n"
     "3. Πατήστε **Έκδοση Ζ**. Αν ο ΦΗΜ απαντήσει με σφάλμα, μην το επαναλάβετε: "
     "ανοίξτε αίτημα με τη φωτογραφία του μηνύματος.",
     "Closing the day and the Z report",
     "Closing the day issues the fiscal device's Z report and resets the day's totals.\n\n"
     "1. **Till → Close the day**.\n2. Check the cash and card totals.\n3. Press "
     "**Issue Z**. If the device answers with an error, do not repeat it: open a request "
     "with a photo of the message."),
    ("jewel-stock", "how_to", "customers", False,
     "Εκτύπωση ετικετών με barcode για κοσμήματα",
     "Οι ετικέτες κοσμημάτων (τύπου «ποδαράκι») τυπώνονται από **Αποθήκη → Ετικέτες**.\n\n"
     "1. Επιλέξτε τα είδη ή μια παραλαβή.\n2. Διαλέξτε το πρότυπο ετικέτας (βάρος, καράτια, "
     "τιμή).\n3. Στον εκτυπωτή ετικετών ορίστε μέγεθος 22×10 mm.\n"
     "Αν ο σαρωτής δεν διαβάζει το barcode, αυξήστε τη σκουρότητα εκτύπωσης.",
     "Printing barcode labels for jewellery",
     "Jewellery labels are printed from **Stock → Labels**.\n\n1. Choose the items or a "
     "delivery.\n2. Pick the label template (weight, carats, price).\n3. Set the label "
     "printer to 22×10 mm.\nIf the scanner cannot read the barcode, raise the print darkness."),
    ("jewel-stock", "program_fault", "customers", False,
     "Η ζυγαριά δεν στέλνει βάρος στο πρόγραμμα",
     "1. Ελέγξτε ότι η ζυγαριά είναι σε λειτουργία επικοινωνίας (PC).\n2. **Ρυθμίσεις → "
     "Ζυγαριά**: θύρα και ταχύτητα 9600.\n3. Πατήστε **Ανάγνωση βάρους** με ένα γνωστό "
     "βαρίδι. Αν το βάρος δεν εμφανίζεται, δοκιμάστε άλλη θύρα USB.",
     "The scale does not send the weight to the program",
     "1. Check that the scale is in PC communication mode.\n2. **Settings → Scale**: port "
     "and speed 9600.\n3. Press **Read weight** with a known weight. If no weight appears, "
     "try another USB port."),
    ("jewel-pos", "installation", "customers", True,
     "Τα βήματα μετά την ενημέρωση 26.4",
     "Η έκδοση 26.4 αλλάζει τη βάση δεδομένων· μετά την εγκατάσταση:\n\n"
     "1. Ανοίξτε το Jewelsoft σε **έναν** υπολογιστή και περιμένετε τη μετάπτωση.\n"
     "2. Ελέγξτε το **Κλείσιμο ημέρας** της προηγούμενης ημέρας.\n"
     "3. Ενημερώστε και τα υπόλοιπα τερματικά.\n4. Πάρτε αντίγραφο ασφαλείας.",
     "The steps after the 26.4 update",
     "Version 26.4 changes the database; after installing it:\n\n1. Start Jewelsoft on **one** "
     "computer and wait for the migration.\n2. Check the previous day's **Close the day**.\n"
     "3. Update the other terminals.\n4. Take a backup."),
    ("jewel-eshop", "program_fault", "customers", False,
     "Το e-shop δεν συγχρονίζει τιμές",
     "Ο συγχρονισμός τρέχει κάθε 15 λεπτά.\n\n- Ελέγξτε στο **e-shop connector → Κατάσταση** "
     "το τελευταίο επιτυχές τρέξιμο.\n- Αν η τιμή χρυσού άλλαξε σήμερα, πατήστε "
     "**Επανυπολογισμός τιμών** πριν τον συγχρονισμό.",
     "The e-shop does not sync prices",
     "Syncing runs every 15 minutes.\n\n- Check the last successful run under **e-shop "
     "connector → Status**.\n- If today's gold price changed, press **Recalculate prices** "
     "before syncing."),
    (None, "how_to", "customers", False,
     "Πώς στέλνω στιγμιότυπο οθόνης με το αίτημα",
     "Πατήστε **Windows + Shift + S**, επιλέξτε την περιοχή και αποθηκεύστε την εικόνα. "
     "Στη φόρμα αιτήματος επιλέξτε το αρχείο στο **Συνημμένο** (PNG ή JPG, έως το όριο που "
     "δείχνει η φόρμα).",
     "How to send a screenshot with a request",
     "Press **Windows + Shift + S**, select the area and save the picture. In the request "
     "form choose the file under **Attachment** (PNG or JPG)."),
    ("jewel-pos", "program_fault", "staff", False,
     "ΦΗΜ: σφάλμα 0x2F μετά την αλλαγή μνήμης (εσωτερικό)",
     "Μόνο για τεχνικούς: το 0x2F σημαίνει ότι η μνήμη του ΦΗΜ άλλαξε χωρίς δήλωση. "
     "Μην το διορθώνετε από απόσταση· κλείστε επίσκεψη με τον τεχνικό του ΦΗΜ.", "", ""),
    ("jewel-pos", "installation", "staff", False,
     "Εγκατάσταση σε νέο υπολογιστή ταμείου: λίστα ελέγχου",
     "1. Αντίγραφο ασφαλείας από τον παλιό.\n2. Εγκατάσταση Jewelsoft και οδηγών "
     "(εκτυπωτής, ΦΗΜ, ζυγαριά).\n3. Μεταφορά άδειας χρήσης.\n4. Δοκιμαστικό Ζ με τον "
     "πελάτη.", "New till computer: checklist",
     "1. Backup from the old one.\n2. Install Jewelsoft and the drivers.\n3. Move the "
     "licence.\n4. A test Z with the customer."),
    ("jewel-stock", "data", "staff", False,
     "Διόρθωση αποθέματος χρυσού 18Κ με απογραφή",
     "Εσωτερική διαδικασία: απογραφή ανά κατηγορία, μετά **Αποθήκη → Διορθώσεις** με "
     "αιτιολογία. Ποτέ απευθείας στη βάση.", "", ""),
    ("jewel-repairs", "how_to", "draft", False,
     "Παραγγελίες επισκευής: ειδοποίηση πελάτη με SMS (πρόχειρο)",
     "Υπό σύνταξη: ρύθμιση παρόχου SMS και πρότυπο μηνύματος.", "", ""),
]


def load_knowledge(*, author: User, customers: list, seed: int = 2026) -> list[Article]:
    """Write the articles and replay some intakes; returns the articles."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    products = {p.code: p for p in Product.objects.all()}
    articles = []
    for code, kind, visibility, entitled, title_el, body_el, title_en, body_en in ARTICLES:
        articles.append(article_create(
            by=author, title_el=title_el, body_el=body_el, title_en=title_en, body_en=body_en,
            product=products.get(code) if code else None, category=kind,
            visibility=visibility, entitled_only=entitled))
    # a second revision, so the history shows one
    article_update(article=articles[0], by=author, body_el=articles[0].body_el
                   + "\n\nΑν το πρόβλημα μένει, ανοίξτε αίτημα με το μοντέλο του εκτυπωτή.")
    users = list(User.objects.filter(customer__in=customers, role=User.Role.CUSTOMER)
                 .order_by("username"))
    for n in range(40):
        user = rng.choice(users)
        readable = list(articles_for_customer(user=user).order_by("pk"))
        if not readable:
            continue
        token = f"demo-intake-{n:04d}-{user.pk:04d}"
        shown = rng.sample(readable, k=min(len(readable), rng.randint(1, 3)))
        suggestions_record(user=user, token=token, articles=shown)
        if rng.random() < 0.6:
            suggestion_opened(user=user, token=token, article=shown[0])
            if rng.random() < 0.5:
                deflection_record(user=user, token=token, article_id=shown[0].pk)
    return articles

