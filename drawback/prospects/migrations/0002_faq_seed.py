"""The public FAQ's first questions and answers, each with the rule it rests on. Staff edit them in the admin
afterwards; running this again adds nothing (rows are keyed by slug)."""

import datetime as dt

from django.db import migrations

REVIEWED = dt.date(2026, 12, 6)

CATEGORIES = [
    ("basics", "Drawback in short", 1),
    ("time", "Time limits and records", 2),
    ("amounts", "What is refunded", 3),
    ("privileges", "Privileges and procedure", 4),
    ("us", "Working with us", 5),
]

ENTRIES = [
    (
        "basics",
        "what-is-drawback",
        "What is duty drawback?",
        """A refund of the customs duties, taxes and fees you paid on imported goods, when those goods — or,
in many cases, goods just like them — leave the United States or are destroyed under CBP supervision.
Congress created it so that US companies that export do not carry the cost of duties on what they ship
abroad.

The refund is at most **99%** of what was paid (19 U.S.C. 1313(l); 19 CFR 190.51(b)(1)). The law is
19 U.S.C. 1313, and CBP's rules are in 19 CFR Part 190 ("Modernized Drawback").""",
    ),
    (
        "basics",
        "kinds-of-drawback",
        "What kinds of drawback are there?",
        """The ones most companies use:

- **Unused merchandise**: goods exported or destroyed without being used in the US. Either the very goods
  imported (*direct identification*, 19 U.S.C. 1313(j)(1)) or other goods of the same 8-digit tariff
  number (*substitution*, 1313(j)(2)).
- **Manufacturing**: products made in the US from imported materials (1313(a)), or from materials of the
  same kind (1313(b)), are exported or destroyed.
- **Rejected merchandise**: goods that did not match the order, were defective or were shipped without
  consent, sent back or destroyed (1313(c)).

Petroleum products and a few other goods have rules of their own (1313(d), (p)). Testing, repacking,
relabelling and similar operations do not count as "use" (1313(j)(3); 19 CFR 190.2).""",
    ),
    (
        "basics",
        "who-may-claim",
        "Who may claim drawback?",
        """The exporter (or the company that destroyed the goods) holds the right to drawback. It may pass the
right to the importer, the manufacturer or a company in between, who then claims (19 CFR 190.82); the
refund is paid to the claimant (19 CFR 190.83).

For substitution of unused goods, the claimant must have had the imported goods, or goods of the same
8-digit number, in its possession: owned, held by a warehouse for it, or otherwise under its control
(19 U.S.C. 1313(j)(2); 19 CFR 190.2, "possession"). Transfers along the chain are proven with ordinary
business records (19 U.S.C. 1313(j)(2)).

Claims are filed electronically in ACE (19 U.S.C. 1313(r)(4)), by the claimant itself, a licensed
customs broker or a service provider.""",
    ),
    (
        "time",
        "five-year-limit",
        "How long do we have to claim?",
        """**Five years from the date of importation.** A complete claim, with its supporting documents, must
reach CBP no later than five years after the import date of the goods it designates (19 U.S.C.
1313(r)(1); 19 CFR 190.51(e)). A claim not completed in time is abandoned.

The export or destruction must also happen before the close of the five-year period that begins on the
import date, and before the claim is filed (19 U.S.C. 1313(j); 19 CFR 190.31(b), 190.32(a)). We treat
an export on the fifth anniversary itself as too late, which is the safe reading.

Every day, the oldest imports leave the window: a look-back should start soon.""",
    ),
    (
        "time",
        "records-to-keep",
        "What records do we need to keep?",
        """Records that prove three things: the import and the duties paid, the export or destruction, and
the link between them.

- Imports: entry summaries (CBP Form 7501), commercial invoices, the ACE entry data.
- Exports: the electronic export information (AES/EEI) with its ITN, bills of lading or air waybills,
  commercial invoices; for destruction, CBP's or the destroyer's certificate.
- For substitution, records showing the 8-digit classification and possession; for manufacturing, bills
  of materials or production records (19 U.S.C. 1313(b)).

Keep them for **3 years from the liquidation of the drawback claim** (19 CFR 190.26(f);
19 CFR 190.51(a)(2)(xvi)); the documents CBP requires are uploaded with the claim.""",
    ),
    (
        "time",
        "how-long-refund",
        "How long does a refund take?",
        """Without accelerated payment, CBP pays after it liquidates the claim, and it liquidates only once the
designated import entries are finally liquidated (19 CFR 190.81(a)). If CBP does not liquidate within a
year of a complete claim based on finally liquidated duties, the claim is deemed liquidated at the amount
claimed (19 U.S.C. 1504(a)(2); 19 CFR 190.81(e)(2)). The refund is due within 90 days of liquidation
(19 U.S.C. 1504(a)(3)).

With **accelerated payment** (see below), CBP pays before liquidation, usually within weeks of filing;
the claim is still checked at liquidation.""",
    ),
    (
        "amounts",
        "how-much",
        "How much is refunded?",
        """Up to **99%** of the duties, taxes and fees paid on the imports designated (19 U.S.C. 1313(l);
19 CFR 190.51(b)(1)). The merchandise processing fee and harbor maintenance fee are refunded on unused
merchandise claims, the MPF shared among the entry's lines by value (19 CFR 190.51(b)(2)).

For substitution, the refund is limited to the lesser of the duties paid on the import and the duties the
exported goods would have paid if imported (19 U.S.C. 1313(l)(2)(B); 19 CFR 190.32(b)). Antidumping and
countervailing duties are never refunded (19 U.S.C. 1677h).""",
    ),
    (
        "amounts",
        "substitution-8-digit",
        "Can we claim on goods other than the ones we imported?",
        """Yes: that is **substitution**. Goods you export may stand in for imported goods classified under the
**same 8-digit HTS subheading** (19 U.S.C. 1313(j)(2), (b); 19 CFR 190.2). For unused goods, you may
compare the first 8 digits of the export's Schedule B number with the import's HTS number
(19 U.S.C. 1313(j)(6)).

One exception: when the 8-digit description begins with "Other", the two goods must share the same
**10-digit** number, and that one's description must not begin with "Other" (19 U.S.C. 1313(j)(5)).
If both begin with "Other", only direct identification is possible.

Exports to Canada and Mexico have limits of their own (see the USMCA question).""",
    ),
    (
        "amounts",
        "chapter-99-duties",
        "Can we get back Section 301, Section 232 or IEEPA tariffs?",
        """It depends on the program:

| Additional duty | Drawback? |
|---|---|
| Section 301 (China and others) | Yes (CSMS 18-000419, 19-000050) |
| Section 201 safeguards | Yes |
| Section 122 surcharge (2026) | Yes (CSMS 67844987) |
| Section 232 (steel, aluminum, copper, autos and parts) | No, bar a few narrow manufacturing openings |
| IEEPA duties on Canada, Mexico and China (fentanyl orders) | No (e.g. EO 14195 section 2(f)) |
| IEEPA reciprocal duties, and those on Brazil and India (2025) | Drawback was available, but see below |
| Antidumping and countervailing duties | Never (19 U.S.C. 1677h) |

On February 20, 2026 the Supreme Court held that IEEPA does not authorize tariffs (*Learning Resources v.
Trump*); CBP stopped collecting them for goods entered from February 24, 2026 (CSMS 67834313) and refunds
them through its CAPE process. The same dollar cannot be refunded twice, and CBP advises filing CAPE
before drawback. A claim reports each Chapter 99 number together with the Chapter 1–97 number, in the
order of the import entry (CSMS 19-000050).""",
    ),
    (
        "amounts",
        "usmca-limits",
        "We export to Canada or Mexico. Does drawback still work?",
        """Partly. Under USMCA, an export to Canada or Mexico is not an exportation for **substitution** of
unused goods (19 U.S.C. 1313(j)(4); 19 CFR 182.42(c)), except for a short list of goods
(19 U.S.C. 4534(a)). The same holds for Chile.

**Direct identification** of the very goods imported keeps its full refund (19 CFR 182.45(b)).
Manufacturing drawback on goods sent to Canada or Mexico is limited to the lesser of the US duty and the
duty paid there (19 U.S.C. 1313(n)(2)), and such claims are liquidated only after a waiting period
(19 CFR 182.50).""",
    ),
    (
        "privileges",
        "accelerated-payment",
        "What is accelerated payment, and why the bond?",
        """With the **accelerated payment** privilege, CBP pays a claim before it is liquidated
(19 CFR 190.92), so the money arrives weeks after filing instead of after liquidation. Because CBP pays
before it has finished checking, it needs security: a customs bond with **activity code 1A** (continuous
or single transaction) on file (CSMS 48380692), and each claim names the surety and the bond type
(19 CFR 190.51(a)(2)(iii)). If liquidation finds less was due, the difference is billed and the bond
secures it.""",
    ),
    (
        "privileges",
        "waiver-prior-notice",
        "Do we have to tell CBP before every export?",
        """Without a waiver, yes: a **notice of intent** (CBP Form 7553) is filed at least 5 working days before
exporting unused or rejected goods, and at least 7 working days before a destruction, so CBP can decide
whether to examine them (19 CFR 190.35; 19 CFR 190.71).

The **waiver of prior notice** privilege lifts this for unused and rejected merchandise claims
(19 CFR 190.91): exports then need no notice each time. A one-time retroactive waiver can cover past
exports made without notice (CSMS 13-000264).""",
    ),
    (
        "privileges",
        "manufacturing-rulings",
        "We make products from imported inputs. What do we need?",
        """A **manufacturing drawback ruling**. Most manufacturers operate under a *general* ruling, by
notifying a drawback office of their intent (19 CFR 190.7 and Appendix A to Part 190); others apply to
CBP Headquarters for a *specific* ruling (19 CFR 190.8). Each claim cites the ruling
(19 CFR 190.51(a)(2)(ix)).

You also need records that tie the imported inputs to the exported products: bills of materials or
formulas by 8-digit HTS number and quantity, and production records (19 U.S.C. 1313(b);
19 CFR 190.23, 190.26).""",
    ),
    (
        "us",
        "what-we-need",
        "What do you need from us to start?",
        """A claim is built from your import entry lines and your proof of export (19 CFR 190.51(a)). To
compute a real figure, two files are enough:

1. your **ACE ES-003** report (entry summary line tariff detail) for the last five years, from the ACE
   portal or your customs broker;
2. your **export data**: an AES/EEI listing from your forwarder or filing software.

Add entry summaries, invoices, bills of lading and bills of materials as examples. The [full
assessment](/assessment/) takes them and runs our checks and optimizer on them, in a workspace of your
own that nobody else's data touches. Files of prospects who do not go on with us are deleted after the
retention period.""",
    ),
    (
        "us",
        "what-it-costs",
        "What does it cost?",
        """The questionnaire and the preliminary estimate from your files cost nothing. For preparing and
filing claims, we put our fee in writing before any work starts, usually as a share of the refunds CBP
pays, so that you pay when you are paid. No regulation sets drawback fees; ask us for a proposal.""",
    ),
]


def seed(apps, schema_editor):
    FaqCategory = apps.get_model("prospects", "FaqCategory")
    FaqEntry = apps.get_model("prospects", "FaqEntry")
    categories = {}
    for key, name, order in CATEGORIES:
        categories[key], _ = FaqCategory.objects.get_or_create(name=name, defaults={"order": order})
    for n, (category, slug, question, answer) in enumerate(ENTRIES):
        FaqEntry.objects.get_or_create(
            slug=slug,
            defaults={
                "category": categories[category],
                "question": question,
                "answer": answer,
                "order": n + 1,
                "published": True,
                "last_reviewed": REVIEWED,
            },
        )


def unseed(apps, schema_editor):
    FaqEntry = apps.get_model("prospects", "FaqEntry")
    FaqCategory = apps.get_model("prospects", "FaqCategory")
    FaqEntry.objects.filter(slug__in=[e[1] for e in ENTRIES]).delete()
    FaqCategory.objects.filter(name__in=[c[1] for c in CATEGORIES], entries__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("prospects", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
