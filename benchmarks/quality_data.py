"""Realistic bakery-chatbot rows made by a script (no model), with planted defects whose truth is known.

`make_rows(n, seed)` returns `(df, truth)`: `df` has the columns question, response, status, topic; `truth` holds
the planted exact-duplicate and near-duplicate pairs (source row, copy row) and the rows given wrong prices, wrong
times, very short and very long answers. Rows are assembled from many templates, slot vocabularies and sentence
pools with seeded numpy choices; the string building is done template by template on object arrays, so a million
rows take seconds, not minutes.

Run `python benchmarks/quality_data.py 10` to print a few rows.
"""
from __future__ import annotations
import string, sys
import numpy as np, pandas as pd

TOPICS = ["daily specials", "custom cake orders", "allergy information"]

# Slot vocabularies. Prices, days and times in the answers agree with synthnb/specs/bakery.yaml.
SLOTS = {
    "day": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "open_day": ["Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "special": ["sourdough loaf", "cinnamon rolls", "fruit tarts"],
    "item": ["croissant", "sourdough loaf", "cinnamon roll", "fruit tart", "baguette", "muffin", "scone", "brioche",
             "rye bread", "focaccia", "bagel", "danish", "eclair", "cookie", "brownie"],
    "priced": ["A sourdough loaf is $6", "Cinnamon rolls are $3.50 each", "A fruit tart is $4.50",
               "Croissants are $3 each", "Our custom cakes start from $35", "The sourdough is $6 a loaf",
               "Each fruit tart costs $4.50", "A croissant costs $3"],
    "sheet_item": ["croissant", "sourdough loaf", "cinnamon roll", "fruit tart"],
    "flavour": ["chocolate", "vanilla", "lemon", "carrot", "red velvet", "strawberry", "coffee", "coconut", "banana",
                "raspberry", "salted caramel", "almond", "orange", "black forest", "tiramisu", "pistachio"],
    "occasion": ["a birthday", "a wedding", "an anniversary", "a baby shower", "a graduation", "a retirement party",
                 "an office party", "a christening", "an engagement party", "a farewell", "a bar mitzvah", "a housewarming"],
    "people": [str(k) for k in (6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100)],
    "decoration": ["fresh flowers", "a photo print", "sprinkles", "gold leaf", "a name written on top", "fondant figures",
                   "berries", "a drip finish", "edible glitter", "a number topper", "buttercream roses", "macarons"],
    "allergen": ["nut", "peanut", "gluten", "dairy", "egg", "soy", "sesame", "wheat", "tree nut", "milk"],
    "diet": ["gluten-free", "nut-free", "dairy-free", "vegan", "egg-free", "low-sugar", "sugar-free", "plant-based"],
    "who": ["my son", "my daughter", "my husband", "my wife", "a friend", "my mother", "my dad", "a colleague",
            "my niece", "my nephew", "my grandson", "my partner", "our guest", "a neighbour", "my sister", "my brother"],
    "when": ["this weekend", "next week", "tomorrow", "later today", "on the weekend", "next month", "this Friday",
             "in two weeks", "on Saturday morning", "at the end of the month", "for next Sunday", "soon"],
    "adj": ["fresh", "warm", "homemade", "delicious", "popular", "seasonal", "freshly baked", "lovely", "tasty", "classic"],
    "time_of_day": ["in the morning", "before noon", "early", "around lunchtime", "in the afternoon", "first thing"],
}

QUESTION = {
    "daily specials": [
        "What is the special on {day} at the bakery?", "Do you have {special} on {open_day} mornings?",
        "Is there a {adj} special today or just the usual bread?", "What do you bake specially on {open_day}s?",
        "Are the {special} still available if I come {time_of_day}?", "How much does a {item} cost at the moment?",
        "When is the best day to buy your {special}?", "Do you sell {item}s every day or only on some days?",
        "Which day do you have {special} and how much are they?", "Can I reserve some {special} for {when}?",
        "Is the {item} {adj} every morning or baked the day before?", "What specials are on this {open_day} for {who}?",
        "Do the {special} sell out quickly on {open_day}s?", "Are you open on {day} and what is the special?",
        "What time do you open on {open_day} so I can get {special}?", "Do you have any {adj} pastries on {day}?",
        "Is the daily special cheaper than a regular {item}?", "I heard about your {special}, which day are they on?",
    ],
    "custom cake orders": [
        "Can I order a {flavour} cake for {occasion} {when}?", "How far ahead should I order a cake for {people} people?",
        "Do you make {flavour} cakes with {decoration} on top?", "What does a custom cake for {occasion} usually cost?",
        "Could you bake a {flavour} cake for {who} by {open_day}?", "Is it possible to get a {diet} cake for {occasion}?",
        "How big is a cake that feeds {people} guests at {occasion}?", "Can you put {decoration} on a {flavour} sponge?",
        "I need a cake for {occasion} {when}, is that enough notice?", "Do you deliver custom cakes for {people} people?",
        "Can I choose two flavours like {flavour} and {flavour} in one cake?", "How do I order a cake for {who}?",
        "Is a {flavour} cake with {decoration} possible for {when}?", "What is the latest I can order for {occasion}?",
        "Can I pick up a custom cake on {open_day} {time_of_day}?", "Do you do tiered cakes for {occasion}?",
        "Could I see designs for a {flavour} cake for {who}?", "Would a {diet} {flavour} cake taste as good?",
    ],
    "allergy information": [
        "Is the {item} safe for someone with a {allergen} allergy?", "Do you have {diet} options on {day}?",
        "Are your {item}s made without {allergen}?", "Can {who} with a {allergen} allergy eat the {special}?",
        "Which of your cakes are {diet} and is there cross contamination?", "Is the {flavour} cake {diet}?",
        "Do you keep {diet} bread separate from the rest?", "Does the {item} contain {allergen} or traces of it?",
        "I have a {allergen} allergy, what can I safely buy?", "Are there {diet} treats for {who} {when}?",
        "Do you label the {allergen} in your pastries clearly?", "Is the kitchen free of {allergen}?",
        "Can you make a {diet} cake for {occasion} because of an allergy?", "What is in the {item}, any {allergen}?",
        "Are the {special} {diet} or do they have {allergen}?", "Could {who} have the {item} with a {allergen} allergy?",
    ],
}
OPENER = ["", "", "", "Hi! ", "Hello! ", "Hey there. ", "Good morning! ", "Quick question. ", "Hi there, hope you're well. ",
          "Excuse me. ", "Hello again. ", "Sorry to bother you. ", "Hi team! ", "Morning! ", "Hey! ", "Good afternoon. "]
TAIL = ["", "", "", "Thanks!", "Thank you.", "Thanks in advance.", "Cheers.", "Many thanks!", "Thanks so much.",
        "Appreciate it.", "Thank you kindly."]

GREETING = ["Great question!", "Thanks for asking!", "Happy to help.", "Of course!", "Sure thing!", "Good news!",
            "Thanks for reaching out.", "Absolutely.", "Hi, thanks for your message!", "Lovely to hear from you.",
            "Yes, we can help with that.", "Thank you for asking.", "Glad you asked!", "No problem at all."]
CORE = {
    "daily specials": [
        "Our special on Tuesdays is the sourdough loaf, on Saturdays the cinnamon rolls and on Sundays the fruit tarts.",
        "The {special} are our special this week and they usually go fast {time_of_day}.",
        "{priced}, and the specials come out of the oven {time_of_day}.",
        "We bake the sourdough loaf on Tuesdays, cinnamon rolls on Saturdays and fruit tarts on Sundays.",
        "We have {adj} bread every day we are open, and each special has its own day.",
        "{priced}, which is the price every day of the week.", "Our {special} are baked {time_of_day} on their special day.",
        "We are open Tuesday to Sunday from 7am to 6pm, so come {time_of_day} for the best choice.",
        "The {special} are a customer favourite and we keep a few aside if you ask.",
    ],
    "custom cake orders": [
        "Custom cakes need 48 hours' notice, so please order at least two days before {occasion}.",
        "A {flavour} cake with {decoration} is no problem with 48 hours' notice.",
        "Our custom cakes start from $35 and the final price depends on size and decoration.",
        "For {people} people we suggest a two layer cake, and {flavour} is a popular choice.",
        "We can write a message for {who} and add {decoration} at no extra cost.",
        "Please give us 48 hours' notice and tell us the flavour, the size and any decoration.",
        "We make {flavour}, {flavour} and many other flavours, and {diet} versions on request.",
        "Pick-up is any day from Tuesday to Sunday between 7am and 6pm.",
        "A cake for {occasion} can be ready {when} as long as we have 48 hours' notice.",
    ],
    "allergy information": [
        "We have nut-free and gluten-free options every day, so just ask at the counter.",
        "All our items are made in a kitchen that handles nuts, so we cannot promise they are free of traces.",
        "The {sheet_item} contains wheat and butter, but we have {diet} alternatives on the shelf.",
        "Our {diet} range is baked every morning and labelled clearly in the display.",
        "For a {allergen} allergy please ask the staff, who will check each label with you.",
        "Nut-free and gluten-free options are there every day, but the kitchen does handle nuts.",
        "We list every allergen on the card next to each product, including {allergen}.",
        "The {special} are not {diet}, but we have {diet} options every day.",
        "If {who} has a severe {allergen} allergy, please talk to us before ordering.",
    ],
}
EXTRA = ["We bake everything {adj} in the shop each morning.", "We are closed on Mondays.",
         "{priced} if you would like something else too.", "You can reserve items by phone the day before.",
         "Many customers pick up {time_of_day} to get the {adj} choice.", "Bring {who} along to taste a sample.",
         "", "", "", "Our {adj} {sheet_item}s go well with a coffee.", "We open at 7am and close at 6pm.",
         "Orders can be paid in the shop or on collection."]
CLOSING = ["Call us at 555-1234 if you have any other questions.", "You can also email hello@sunrisebakery.example.",
           "See you soon!", "More details are on sunrisebakery.example.", "Have a lovely day!",
           "Just call 555-1234 and we will sort it out.", "We look forward to seeing you!", "Enjoy!",
           "Feel free to drop by anytime we are open.", "Write to hello@sunrisebakery.example for anything else.",
           "Thanks again for choosing Sunrise Bakery.", "Let us know if there is anything else we can do."]

WRONG_PRICE = ["A sourdough loaf is $5 today.", "The cinnamon rolls are $5 each.", "Custom cakes start from $20.",
               "A fruit tart is only $2 this week."]
WRONG_TIME = ["We close at 8pm tonight.", "We open at 9am on weekdays.", "The shop is open until 8pm.",
              "Doors open at 6am for early birds."]
SHORT = ["Yes.", "No.", "Sure!", "Call us.", "Yes, we do.", "Sorry, no."]
FILLER = ["really", "also", "just", "very", "usually", "today", "please", "maybe", "always", "still", "now", "quite",
          "indeed", "simply", "certainly", "perhaps", "kindly", "nearly", "so", "truly"]

_FMT = string.Formatter()

def fill(templates:list, n:int, rng:np.random.Generator) -> np.ndarray:
    "`n` strings, each a template picked at random with its `{slot}`s filled from `SLOTS` (object array)."
    out, pick = np.empty(n, object), rng.integers(len(templates), size=n)
    for k, tpl in enumerate(templates):
        rows = np.flatnonzero(pick == k)
        if not len(rows): continue
        acc = np.full(len(rows), "", object)
        for lit, slot, _, _ in _FMT.parse(tpl):
            if lit: acc = acc + lit
            if slot is not None:
                vocab = np.array(SLOTS[slot], object)
                acc = acc + vocab[rng.integers(len(vocab), size=len(rows))]
        out[rows] = acc
    return out

def _by_topic(pools:dict, topic:np.ndarray, rng) -> np.ndarray:
    out = np.empty(len(topic), object)
    for t, name in enumerate(TOPICS):
        rows = np.flatnonzero(topic == t); out[rows] = fill(pools[name], len(rows), rng)
    return out

def _join(*parts) -> np.ndarray:
    "Sentences joined by single spaces (empty ones skipped)."
    acc = parts[0]
    for p in parts[1:]: acc = acc + np.where(p == "", "", " ").astype(object) + p
    return acc

def _edit(text:str, rng:np.random.Generator) -> str:
    "1–2 word changes (substitute, insert or delete) at random places of `text`."
    ws = text.split(" ")
    for _ in range(rng.integers(1, 3)):
        i, op, w = int(rng.integers(len(ws))), int(rng.integers(3)), FILLER[int(rng.integers(len(FILLER)))]
        if op == 0: ws[i] = w
        elif op == 1: ws.insert(i, w)
        elif len(ws) > 3: del ws[i]
        else: ws.insert(i, w)
    return " ".join(ws)

def make_rows(n:int, seed:int=0, exact:float=0.02, near:float=0.03, wrong_price:float=0.01, wrong_time:float=0.01,
              short:float=0.005, long:float=0.005) -> tuple:
    "`n` rows and the truth of the defects planted in them (fractions of `n`)."
    rng = np.random.default_rng(seed)
    topic = rng.integers(len(TOPICS), size=n)
    q = _join(fill(OPENER, n, rng) + _by_topic(QUESTION, topic, rng), fill(TAIL, n, rng))
    r = _join(fill(GREETING, n, rng), _by_topic(CORE, topic, rng), fill(EXTRA, n, rng), _by_topic(CORE, topic, rng),
              fill(CLOSING, n, rng))
    # Rows that will be copies (exact or near) of an earlier row; the other rows may carry the other defects.
    lo = min(100, n // 2)
    cand = rng.permutation(np.arange(lo, n))
    n_exact, n_near = int(round(exact * n)), int(round(near * n))
    exact_rows, near_rows = np.sort(cand[:n_exact]), np.sort(cand[n_exact:n_exact + n_near])
    is_copy = np.zeros(n, bool); is_copy[exact_rows] = is_copy[near_rows] = True
    base = np.flatnonzero(~is_copy)
    others = rng.permutation(base)
    k = np.cumsum([0] + [int(round(f * n)) for f in (wrong_price, wrong_time, short, long)])
    price_rows, time_rows, short_rows, long_rows = (np.sort(others[k[i]:k[i+1]]) for i in range(4))
    r[price_rows] = _join(r[price_rows], fill(WRONG_PRICE, len(price_rows), rng))
    r[time_rows] = _join(fill(WRONG_TIME, len(time_rows), rng), r[time_rows])
    r[short_rows] = fill(SHORT, len(short_rows), rng)
    m = len(long_rows)
    r[long_rows] = _join(r[long_rows], *[_by_topic(CORE, topic[long_rows], rng) for _ in range(4)],
                         fill(EXTRA, m, rng), fill(EXTRA, m, rng), fill(CLOSING, m, rng))

    def sources(targets):  # a random earlier base row for each target
        below = np.searchsorted(base, targets)  # base rows before the target
        return base[(rng.random(len(targets)) * below).astype(np.int64)]
    ex_src, near_src = sources(exact_rows), sources(near_rows)
    q[exact_rows], r[exact_rows], topic[exact_rows] = q[ex_src], r[ex_src], topic[ex_src]
    topic[near_rows] = topic[near_src]
    in_q = rng.random(len(near_rows)) < 0.3  # the edit goes into the question (30%) or the response
    q[near_rows] = [_edit(s, rng) if e else s for s, e in zip(q[near_src], in_q)]
    r[near_rows] = [s if e else _edit(s, rng) for s, e in zip(r[near_src], in_q)]
    df = pd.DataFrame({"question": q, "response": r, "status": "ok", "topic": np.array(TOPICS, object)[topic]})
    truth = {"exact_pairs": np.stack([ex_src, exact_rows], 1), "near_pairs": np.stack([near_src, near_rows], 1),
             "wrong_price": price_rows, "wrong_time": time_rows, "short": short_rows, "long": long_rows}
    return df, truth

if __name__ == "__main__":
    import time
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    t = time.perf_counter(); df, truth = make_rows(n); t = time.perf_counter() - t
    pd.set_option("display.max_colwidth", 200)
    print(df.head(min(n, 10)).to_string())
    print(f"{n:,} rows in {t:.2f} s;", {k: len(v) for k, v in truth.items()})
