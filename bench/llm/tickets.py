#!/usr/bin/env python3
"""Labeled support tickets for the LLM benchmark (scripts/bench-llm), from templates with a fixed seed.

    python3 bench/llm/tickets.py [--records N] [--seed S]     # JSON lines on stdout

Each line is {"id", "text", "label", "kind"}: label is one of billing, bug, account, other (the
team that handles the ticket, by what the customer wants); kind says how the text was written:
  plain_words  the customer names the topic in its usual words ("refund", "crashes", "password")
  own_words    the same needs said without those words ("my monthly cost went up")
  mixed        words of one topic, needs of another ("an error when I open my invoice" is a bug)
Only the text goes to Baton; label and kind are for scoring. The shares of the kinds
(--own-words, --mixed) decide how many tickets a keyword table can settle, so they are printed by
the benchmark beside its figures. The same seed and options always give the same tickets.
"""
import argparse
import json
import random
import sys

# What each team gets, in the customer's usual words.
PLAIN_WORDS = {
    "billing": [
        "I was charged twice for order {order}.",
        "Please send me the invoice for {month}.",
        "I want a refund for my {plan} subscription.",
        "My card was billed {amount} this month, but the {plan} plan costs less.",
        "Where can I download the receipt for my last payment?",
        "The payment for order {order} went through two times.",
    ],
    "bug": [
        "The app crashes when I open the {screen} page.",
        "I get error {code} when I save a {thing}.",
        "Export to {format} fails every time.",
        "The {screen} page is broken since the last update.",
        "I think I found a bug: my {thing}s disappear after a reload.",
        "The app freezes on my {device} when I scroll the {screen} page.",
    ],
    "account": [
        "I forgot my password and cannot log in.",
        "Please delete my account and all my data.",
        "How do I change the email address of my account?",
        "I can't sign in since I got a new {device}.",
        "My two-factor codes are rejected when I try to log in.",
        "Can I change my username to {name}?",
    ],
    "other": [
        "Feature request: {feature}.",
        "It would be great to have {feature}.",
        "I suggest adding {feature} to the {screen} page.",
        "Could you add {feature}?",
        "Do you have an office in {city}?",
        "Is there a partnership program for agencies in {city}?",
    ],
}

# The same needs without the usual words.
OWN_WORDS = {
    "billing": [
        "Why did my monthly cost go up from {amount} to {amount2}?",
        "Can I get my money back for the {plan} plan? I never used it.",
        "My bank statement shows a higher amount than your price list for {plan}.",
        "Our company needs its VAT number on the paperwork for {month}.",
        "Please move us from monthly to yearly pay on the {plan} plan.",
    ],
    "bug": [
        "Nothing happens when I tap the save button on my {device}.",
        "The {screen} page stays blank since yesterday.",
        "Pictures in my {thing}s show up upside down.",
        "The totals on the {screen} page do not add up since the update.",
        "Notifications arrive twice on my {device}.",
    ],
    "account": [
        "I no longer receive the verification code on my {device}.",
        "Please add my colleague {name} to our team workspace.",
        "{name} is taking over; please make them the owner of our workspace.",
        "My profile still shows my old surname.",
        "Someone else may have used my profile from {city}, what should I do?",
    ],
    "other": [
        "Is your product available in {city}?",
        "Who can I talk to about writing an article on your company?",
        "Thanks, your team was very helpful last week!",
        "What are your opening hours during the holidays?",
        "Do you run training sessions in {city}?",
    ],
}

# Words of one topic, needs of another: the label is the need.
MIXED = {
    "billing": [
        "I was charged after I deleted my account.",
        "The checkout crashed but my card was charged anyway.",
    ],
    "bug": [
        "I get an error when I open my invoice for {month}.",
        "The refund button does nothing and the page freezes.",
    ],
    "account": [
        "I can't log in to pay my invoice.",
        "The password reset email never arrives, is that a bug?",
    ],
    "other": [
        "Could you add an option to get the invoice by post?",
        "It would be great to log in with my {city} library card.",
    ],
}

FILL = {
    "order": lambda r: str(r.randint(1000, 9999)),
    "month": lambda r: r.choice(["January", "March", "May", "August", "October", "December"]),
    "amount": lambda r: f"${r.randint(9, 99)}",
    "amount2": lambda r: f"${r.randint(100, 199)}",
    "plan": lambda r: r.choice(["Basic", "Pro", "Team"]),
    "screen": lambda r: r.choice(["settings", "reports", "dashboard", "calendar"]),
    "thing": lambda r: r.choice(["draft", "note", "project", "comment"]),
    "format": lambda r: r.choice(["PDF", "CSV", "Excel"]),
    "code": lambda r: r.choice(["500", "502", "403", "E42"]),
    "device": lambda r: r.choice(["iPhone", "Android phone", "iPad", "laptop"]),
    "name": lambda r: r.choice(["Ana", "Ben", "Chloe", "Dev", "Emre"]),
    "feature": lambda r: r.choice(["a dark mode", "keyboard shortcuts", "a calendar view", "an offline mode"]),
    "city": lambda r: r.choice(["Berlin", "Lyon", "Osaka", "Toronto", "Nairobi"]),
}
LABELS = ["billing", "bug", "account", "other"]


def tickets(records, seed, own_words, mixed):
    rng = random.Random(seed)
    for n in range(records):
        label = LABELS[n % len(LABELS)]  # balanced classes; the order is shuffled below
        roll = rng.random()
        kind, pool = ("mixed", MIXED) if roll < mixed else \
            ("own_words", OWN_WORDS) if roll < mixed + own_words else ("plain_words", PLAIN_WORDS)
        template = rng.choice(pool[label])
        # Filled one by one so that the same seed gives the same text whatever the template holds.
        fields = {key: make(rng) for key, make in FILL.items()}
        yield {"text": template.format(**fields), "label": label, "kind": kind}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--records", type=int, default=40)
    p.add_argument("--seed", type=int, default=16)
    p.add_argument("--own-words", type=float, default=0.3, help="share of own_words tickets")
    p.add_argument("--mixed", type=float, default=0.12, help="share of mixed tickets")
    a = p.parse_args()
    if a.records < 1 or not (0 <= a.own_words and 0 <= a.mixed and a.own_words + a.mixed <= 1):
        p.error("--records must be at least 1 and --own-words + --mixed between 0 and 1")
    rows = list(tickets(a.records, a.seed, a.own_words, a.mixed))
    random.Random(a.seed + 1).shuffle(rows)
    for i, row in enumerate(rows, 1):
        json.dump({"id": i, **row}, sys.stdout)
        sys.stdout.write("\n")


if __name__ == "__main__":
    main()
