"""Typed reading of fact sheets and typed comparison of claims (synthnb.facts), without embeddings or a model.

Each test reads a small fact sheet the way a user of another domain might write it and checks what was read, or
checks one answer against it and asserts the exact kinds found."""
import pandas as pd
import pytest
from synthnb.spec import PromptSpec
from synthnb.facts import (FACT_KINDS, FactSheet, check_answer, fact_checks, answer_fields, normalise, clocks, amounts,
                           read_schedule, day_set, fact_leaves, judge_messages)

def kinds(sheet, text, question=""): return sorted({f.kind for f in check_answer(sheet, text, question)})

DENTAL = {"hours": {"Mon-Thu": "8am-6pm", "Friday": "8am-2pm", "Saturday": "9am-1pm", "Sunday": "closed"},
          "prices": {"check-up": "$95", "filling": "from $120"},
          "payment": "Visa, Mastercard and cash only; no payment plans",
          "sedation": "no sedation services; we refer anxious patients to a specialist",
          "parking": "no on-site parking; street parking on Elm Street",
          "cancellations": "24 hours' notice", "children": "up to 2 children per appointment",
          "phone": "555-0142", "email": "desk@smile.example", "website": "smile.example"}

@pytest.fixture(scope="module")
def dental(): return FactSheet.read(DENTAL)


def test_fact_kinds_keep_the_old_ones_and_add_two():
    assert FACT_KINDS[:8] == ["wrong_time", "wrong_day", "wrong_price", "wrong_phone", "wrong_email", "wrong_url", "wrong_number", "unknown_item"]
    assert FACT_KINDS[8:] == ["not_offered", "not_in_list"]

# reading values

def test_numbers_in_words_become_digits_and_keep_their_words():
    n = normalise("we close at seven in the evening and open twenty-four hours on Fridays")
    assert "7pm" in n.text and "24 hours" in n.text
    c = clocks(n.text)[0]
    assert c.minutes == {19 * 60} and c.role == "close" and n.span(c.start, c.end) == "seven in the evening"

def test_till_ten_at_night_and_noon():
    assert [(sorted(c.minutes), c.role) for c in clocks(normalise("open till 10 at night").text)] == [([22 * 60], "close")]
    assert [sorted(c.minutes) for c in clocks(normalise("from noon to 7:30pm").text)] == [[720], [19 * 60 + 30]]

def test_day_sets_ranges_weekends_and_exceptions():
    assert day_set("Mon-Thu") == {0, 1, 2, 3} and day_set("weekends") == {5, 6} and day_set("weekdays") == {0, 1, 2, 3, 4}
    assert day_set("every day except Mondays") == {1, 2, 3, 4, 5, 6} and day_set("Fri to Mon") == {4, 5, 6, 0}
    assert day_set("the sun was out on Sat") == {5}  # lower-case 'sun' is no day

def test_schedule_per_day_from_every_shape():
    assert read_schedule("Mon-Thu: 8am-6pm; Friday: 8am-2pm; Sunday: closed") == {0: ((480, 1080),), 1: ((480, 1080),), 2: ((480, 1080),),
                                                                                 3: ((480, 1080),), 4: ((480, 840),), 6: ()}
    assert read_schedule("open weekdays 7:30–19:00, weekends 9-1")[0] == ((450, 1140),)
    assert read_schedule("open weekdays 7:30–19:00, weekends 9-1")[6] == ((540, 780),)
    assert read_schedule("open Tuesday to Sunday, 7am to 6pm; closed on Mondays")[0] == ()
    assert read_schedule("open daily 7am-6pm except Mondays")[0] == () and read_schedule("open daily 7am-6pm except Mondays")[3] == ((420, 1080),)

def test_amounts_have_units_and_bounds():
    got = lambda t: [(a.value, a.unit, a.bound) for a in amounts(normalise(t).text)]
    assert got("up to 4 guests") == [(4, "guest", "<=")]
    assert got("members must be sixteen or older") == [(16, "age", ">=")]
    assert got("48 hours' notice") == [(48, "time", "=")] and got("a day's notice") == [(24, "time", "=")]
    assert got("$45 a month") == []  # a rate, not a duration

def test_nested_sheet_is_read_as_items_and_hours(dental):
    assert {(i.name, i.cents, i.bound) for i in dental.items if i.cents} == {("check-up", 9500, "="), ("filling", 12000, ">=")}
    assert dental.schedules[0].hours[4] == ((480, 840),) and dental.schedules[0].hours[6] == ()
    assert fact_leaves({"menu": {"coffee": "$3", "cakes": ["carrot", "lemon"]}}) == [(("menu", "coffee"), "$3"), (("menu", "cakes"), "carrot"), (("menu", "cakes"), "lemon")]

def test_item_colon_price_and_group_names():
    sheet = FactSheet.read({"prices": "croissant: $3; sourdough loaf: $6", "memberships": {"monthly": "$45", "student monthly": "$30"}})
    assert {(("croissant",), 300), (("sourdough", "loaf"), 600), (("monthly", "membership"), 4500)} <= {(i.words, i.cents) for i in sheet.items}
    assert kinds(sheet, "A croissant is $3 and a sourdough loaf is $6.") == []
    assert kinds(sheet, "The student monthly membership is $45.") == ["wrong_price"]

def test_closed_lists_and_negations_are_read(dental):
    assert [l.values for l in dental.lists] == [[("visa",), ("mastercard",), ("cash",)]]
    assert {n.phrase for n in dental.negations} == {"payment plan", "sedation service", "onsite parking"}

def test_what_no_rule_reads_is_left_for_the_judge(dental):
    assert dental.unchecked[f"sedation: {DENTAL['sedation']}"] == ["we refer anxious patients to a specialist"]
    spec = PromptSpec("x", [{"question": "q", "response": "r"}], facts=DENTAL)
    assert "we refer anxious patients to a specialist" in judge_messages(spec, {"question": "q", "response": "r"})[1]["content"]

def test_repr_shows_what_was_read_and_what_was_not(dental):
    html = dental._repr_html_()
    assert "Monday–Thursday 8am–6pm" in html and "price filling: from $120" in html and "not offered: onsite parking" in html
    assert "not checked by rules" in html and "street parking on Elm Street" in html

# comparing claims

def test_hours_differ_by_day(dental):
    assert kinds(dental, "On Mondays we close at 6pm.") == []
    assert kinds(dental, "On Fridays we close at 6pm.") == ["wrong_time"]
    assert kinds(dental, "Yes, until two in the afternoon.", "Are you open on Friday afternoon?") == []
    assert kinds(dental, "Yes, until 6pm.", "Are you open on Friday afternoon?") == ["wrong_time"]

def test_open_and_closed_days(dental):
    assert kinds(dental, "We're closed on Sundays.") == []
    assert kinds(dental, "We're open Sundays from 9am.") == ["wrong_day"]
    assert kinds(dental, "We're closed on Thursdays.") == ["wrong_day"]
    assert kinds(dental, "Our smile makeovers are perfect for a weekend treat.") == []

def test_prices_with_from_and_in_words(dental):
    assert kinds(dental, "A check-up is ninety-five dollars.") == [] and kinds(dental, "A check-up is $85.") == ["wrong_price"]
    assert kinds(dental, "Fillings start at $120, larger ones cost $150.") == []
    assert kinds(dental, "A filling is $100.") == ["wrong_price"]

def test_contacts(dental):
    assert kinds(dental, "Call 555-0142, email desk@smile.example or visit smile.example/book.") == []
    assert kinds(dental, "Call 555-0124.") == ["wrong_phone"]
    assert kinds(dental, "Email info@smile.example.") == ["wrong_email"]
    assert kinds(dental, "See www.smiles.example.") == ["wrong_url"]

def test_amounts(dental):
    assert kinds(dental, "Please give us a day's notice to cancel.") == []
    assert kinds(dental, "Please give us 48 hours' notice to cancel.") == ["wrong_number"]
    assert kinds(dental, "You can bring two children.") == [] and kinds(dental, "You can bring up to 3 children.") == ["wrong_number"]

def test_not_offered_and_restated_negations(dental):
    assert kinds(dental, "Yes, we offer IV sedation.") == ["not_offered"]
    assert kinds(dental, "We don't offer sedation, but we can refer you to a specialist.") == []
    assert kinds(dental, "You can park in our on-site car park.") == ["not_offered"]
    assert kinds(dental, "There's street parking on Elm Street.") == []
    assert kinds(dental, "We can set up a payment plan.") == ["not_offered"]

def test_not_in_list(dental):
    assert kinds(dental, "We accept Visa, Mastercard and cash.") == []
    assert kinds(dental, "We take Amex too.") == ["not_in_list"]
    assert kinds(dental, "No, we can't take Amex.") == []
    assert kinds(dental, "Card only works too: debit is fine.", "") == []
    assert kinds(FactSheet.read({"classes": "yoga, spin and HIIT only"}), "Our Zumba classes are on Tuesdays.") == ["not_in_list"]

def test_unknown_items():
    sheet = FactSheet.read({"prices": "sourdough loaf $6, croissant $3"})
    assert kinds(sheet, "Try a chocolate croissant.") == ["unknown_item"]
    assert kinds(sheet, "We also sell protein bars.") == ["unknown_item"]
    assert kinds(sheet, "We bake sourdough loaves on Tuesdays and croissants every morning.") == []

BIKE = {"hours": {"Tue-Sat": "10am-6pm", "Sun-Mon": "closed"}, "services": {"tune-up": "$60", "puncture repair": "$15"},
        "rentals": "city bikes $30 a day", "brands": "we sell Trek, Brompton and Surly only", "vouchers": "$20, $40 and $80 vouchers",
        "workshop": "collection after 3pm", "club ride": "group ride every Sunday at 8am", "payment": "card and cash only; no cheques",
        "delivery": "no delivery", "species": "road, gravel and city bikes only; no unicycles or tandems"}

@pytest.fixture(scope="module")
def bike(): return FactSheet.read(BIKE)

def test_times_of_other_things_than_the_hours(bike):
    assert kinds(bike, "The group ride leaves at 8am on Sundays.") == [] and kinds(bike, "The group ride leaves at 9am.") == ["wrong_time"]
    assert kinds(bike, "You can collect it any time after 4pm.") == [] and kinds(bike, "Collection is after 1pm.") == ["wrong_time"]

def test_derived_prices_and_listed_price_options(bike):
    assert kinds(bike, "Two puncture repairs come to $30, so $15 each.") == []
    assert kinds(bike, "A city bike is $30 a day, so $60 for two days.") == []
    assert kinds(bike, "We do $40 vouchers.") == [] and kinds(bike, "We do $50 vouchers.") == ["not_in_list"]

def test_only_what_is_presented_as_offered_is_unknown(bike):
    assert kinds(bike, "Yes, a professional bike fitting is $90.") == ["unknown_item"]
    assert kinds(bike, "Use mudguards and good lights when it rains.") == []
    assert kinds(bike, "Yes, we stock Giant bikes too.", "Do you sell Giant?") == ["not_in_list"]

def test_negations_need_a_claim_that_affirms(bike):
    assert kinds(bike, "Yes, cheques are fine.") == ["not_offered"] and kinds(bike, "Sorry, no cheques; card or cash is fine.") == []
    assert kinds(bike, "Of course, we can bring it round.", "Can you deliver my bike?") == ["not_offered"]
    assert kinds(bike, "Yes, tandems are welcome.") == ["not_in_list"]  # named beside a closed list: what the list leaves out

def test_findings_keep_the_words_the_fact_and_a_reason(dental):
    f = check_answer(dental, "On Fridays we stay open till seven in the evening.")[0]
    assert (f.kind, f.text) == ("wrong_time", "seven in the evening")
    assert f.fact.startswith("hours: Mon-Thu: 8am-6pm") and "Friday 8am–2pm" in f.reason

# data sets

def test_a_spec_without_fields_gets_every_check():
    with_fields = PromptSpec("x", [{"question": "q", "response": "r"}], fields=[{"name": "question"}, {"name": "response"}], facts=DENTAL)
    without = PromptSpec("x", [{"question": "q", "response": "r"}], facts=DENTAL)
    assert answer_fields(without) == answer_fields(with_fields) == ["response"]
    rows = pd.DataFrame({"question": ["Open Friday?", "Price?"], "response": ["Yes, until 6pm on Fridays.", "A check-up is $85."]})
    a, b = fact_checks(rows, with_fields, about=None), fact_checks(rows, without, about=None)
    assert a[["row", "kind"]].values.tolist() == b[["row", "kind"]].values.tolist() == [[0, "wrong_time"], [1, "wrong_price"]]

def test_nested_fact_values_round_trip():
    spec = PromptSpec("x", [{"question": "q", "response": "r"}], facts=DENTAL)
    assert PromptSpec.from_yaml(spec.to_yaml()).facts == spec.facts and spec.facts["hours"]["Friday"] == "8am-2pm"
    assert "Mon-Thu: 8am-6pm; Friday: 8am-2pm" in spec.user_prompt()

# ranges, number words and thousands

def test_a_range_of_quantities_is_no_pair_of_clock_times():
    assert clocks(normalise("from five to ten miles").text) == []
    assert [sorted(c.minutes) for c in clocks(normalise("from 9 to 5").text)] == [[540, 1260], [300, 1020]]
    assert clocks(normalise("the class takes up to eight, so").text) == []

def test_a_range_keeps_both_ends_with_its_unit():
    got = lambda t: [(a.value, a.unit, a.bound) for a in amounts(normalise(t).text)]
    assert got("Between five and ten miles it's $15") == [(5, "mile", ">="), (10, "mile", "<=")]
    assert got("$15 for 5-10 guests") == [(5, "guest", ">="), (10, "guest", "<=")]
    assert normalise("a hundred and twenty dollars").text == "a 120 dollars"

def test_prices_with_thousands_separators():
    sheet = FactSheet.read({"prices": {"intensive course": "$1,150"}})
    assert [i.cents for i in sheet.items] == [115000]
    assert kinds(sheet, "The intensive course is $1,250.") == ["wrong_price"]
    assert kinds(sheet, "The intensive course is $1,150.") == []

# fact sheet shapes: YAML lists with sizes and rates, conditions after a price

STORAGE = {"units": ["5x5 ft locker, $45 a month", "5x10 ft, $79 a month", "10x10 ft, $129 a month"],
           "unit sizes": "the three sizes above only", "fees": ["admin fee $20, one-time", "late fee $15 once rent is 7 days overdue"],
           "delivery": "$9 within 5 miles, $15 for 5-10 miles"}

@pytest.fixture(scope="module")
def storage(): return FactSheet.read(STORAGE)

def test_list_items_take_their_name_from_the_clause_before_the_price(storage):
    assert {(i.words, i.cents) for i in storage.items if i.fact.startswith("units")} >= {(("locker",), 4500), (("unit",), 7900), (("unit",), 12900)}
    assert (("late", "fee"), 1500) in {(i.words, i.cents) for i in storage.items}
    assert {i.words for i in storage.items if i.fact.startswith("delivery")} == {("delivery",)}
    assert not any(i.words == ("month",) for i in storage.items)  # '$45 a month' sells no month

def test_a_limit_beside_a_price_is_read(storage):
    assert sorted((a.value, a.bound) for a, _, f in storage.amounts if a.unit == "mile") == [(5, "<="), (5, ">="), (10, "<=")]
    assert kinds(storage, "Between five and ten miles it's $15, and within five miles it's $9.") == []

def test_sizes_closed_by_a_fact(storage):
    assert kinds(storage, "Yes, 8x10 ft units are available for $99 a month.") == ["not_in_list"]
    assert kinds(storage, "Yes, that's our 10x5 ft unit, measured the other way round. It's $79 a month.") == []
    assert kinds(storage, "A 10x10 ft unit is $139 a month.") == ["wrong_price"]

def test_modifiers_that_say_how_long_or_a_name_are_no_kinds():
    sheet = FactSheet.read({"prices": {"single lesson": "$55", "double lesson": "$105"}, "test-day package": "1-hour warm-up lesson, then the road test"})
    assert kinds(sheet, "Yes, weekday lessons start as early as 7am, so an hour-long lesson would be done by 8.") == []
    assert kinds(sheet, "You get a one-hour warm-up lesson first.") == []
    assert kinds(sheet, "Yes, our night-driving lesson covers that.") == ["unknown_item"]

# schedules of other things than the business: named by the question, their unlisted days closed, 'only' days

SCHOOL = {"hours": {"Mon-Fri": "7am-8pm", "Saturday": "8am-4pm", "Sunday": "closed"},
          "office": {"phone": "(555) 014-7720", "phone lines open": "Mon-Fri 9am-5pm"},
          "theory class": "Wednesdays 6:30pm-8pm, up to 12 students", "gate access": "7 days a week, 6am-10pm",
          "next-day delivery": "order by 3pm the day before"}

@pytest.fixture(scope="module")
def school(): return FactSheet.read(SCHOOL)

def test_a_clause_without_a_subject_takes_the_questions(school):
    assert kinds(school, "It's on Wednesday evenings, from half past six until eight.", "When is the theory class?") == []
    assert kinds(school, "It's on Wednesday evenings, from seven until eight.", "When is the theory class?") == ["wrong_time"]
    assert kinds(school, "Theory class starts at 7pm on Wednesdays.") == ["wrong_time"]

def test_days_a_schedule_does_not_list_are_closed(school):
    assert kinds(school, "Yes, the phone lines are open on Saturdays too.") == ["wrong_day"]
    assert kinds(school, "The theory class is on Thursday evenings.") == ["wrong_day"]
    assert kinds(school, "The theory class is on Wednesday evenings.") == []

def test_only_days_and_locked(school):
    assert kinds(school, "No, sorry, we only teach Monday to Friday.", "Do you do Saturday lessons?") == ["wrong_day"]
    assert kinds(school, "Only on Saturdays, 8am till 4pm; we're closed Sundays.", "Are you open at weekends?") == []
    assert kinds(school, "Gate access is weekdays only, from 6am to 10pm.") == ["wrong_day"]
    assert kinds(school, "No, the gate is locked on Sundays.") == ["wrong_day"]

def test_a_range_is_no_time_of_a_deadline(school):
    assert kinds(school, "Yes, if you order by 3pm today we can deliver tomorrow between 10am and 4pm.") == []
    assert kinds(school, "Yes, if you order by 5pm today we can deliver tomorrow.") == ["wrong_time"]

# prices an answer works out

def test_totals_differences_and_worked_out_rates_are_true(storage):
    shop = FactSheet.read({"hand-tied bouquet": "$45", "delivery": "$9 within 5 miles", "prices": {"single lesson": "$55", "double lesson": "$105", "intensive course": "$1,150"}})
    assert kinds(shop, "The bouquet is $45 and delivery within five miles is $9, so it's $54 altogether.") == []
    assert kinds(shop, "Two single lessons would be $110, while a double lesson is $105, so you save five dollars.") == []
    assert kinds(shop, "The intensive course is twenty hours for $1,150, about $57.50 an hour.") == []
    assert kinds(shop, "The bouquet is $45 and delivery is $9, so it's $60 altogether.") == ["wrong_price"]
    assert kinds(storage, "The first month is $79, plus the one-off $20 admin fee, so $99 to start.") == []

def test_a_price_for_a_thing_and_a_from_price_restated():
    sheet = FactSheet.read({"fees": ["admin fee $20, one-time", "padlock $12"], "insurance": "our cover from $9 a month"})
    assert kinds(sheet, "There's the one-off $20 admin fee and $12 for a padlock.") == []
    assert kinds(sheet, "Our contents cover starts at $12 a month.") == ["wrong_price"]
    assert kinds(sheet, "Our contents cover starts at $9 a month.") == []

# things not offered: a negated fact name, acts, 'the same day', refusals and names

SHOP = {"we don't sell": "balloons, chocolates, hampers, or vases on their own", "next-day delivery": "order by 3pm the day before; no same-day delivery",
        "road test": "you book it yourself with the DMV; we don't book tests", "mock test": "$60",
        "not offered": ["no vehicle, boat or caravan storage"], "hand-tied bouquet": "$45"}

@pytest.fixture(scope="module")
def shop(): return FactSheet.read(SHOP)

def test_a_fact_named_as_a_refusal_negates_what_it_lists(shop):
    assert kinds(shop, "Yes, we sell glass vases from $15 to go with your flowers.") == ["not_offered"]
    assert kinds(shop, "Sure, we can add a helium balloon to any bouquet for $5.") == ["not_offered"]  # and no wrong price of a bouquet
    assert kinds(shop, "Sure, we have outdoor spaces for boats and caravans.") == ["not_offered"]
    assert kinds(shop, "We don't sell vases on their own, but our bouquets stand nicely in any vase you already have.") == []

def test_acts_and_the_same_day(shop):
    assert kinds(shop, "Sure, we'll book your road test for you.") == ["not_offered"]
    assert kinds(shop, "Yes, the mock test is $60.", "Can I book a mock test?") == []
    assert kinds(shop, "Yes, order before noon and we'll deliver the same day.") == ["not_offered"]
    assert kinds(shop, "Of course, just make the cheque out to Harbourside Self Storage.") == []

# someone else's number, tiers of one fact, what a price buys

def test_a_number_said_to_be_someone_elses_or_not_ours():
    sheet = FactSheet.read({"phone": "555-0142"})
    assert kinds(sheet, "That'll be a different shop! 555-0199 isn't ours; you can reach us on 555-0142.") == []
    assert kinds(sheet, "Of course. Add your dad's number, 555-0188, to the booking notes; you can reach us on 555-0142.") == []
    assert kinds(sheet, "You can reach us on 555-0199.") == ["wrong_phone"]

def test_a_limit_of_one_tier_and_what_a_price_buys(storage):
    assert kinds(storage, "It's nine dollars within five miles of the shop and fifteen dollars from five to ten miles out.") == []
    assert kinds(storage, "It's nine dollars within seven miles of the shop.") == ["wrong_number"]
    course = FactSheet.read({"lesson lengths": {"single lesson": "60 minutes"}, "block": "block of 10 lessons: $500"})
    assert kinds(course, "Per hour the block is cheaper: ten hours for $500 is $50 an hour.") == []

# closed lists: a yes to a question, payments, places, verbs

def test_yes_to_a_question_naming_a_value_off_the_list():
    sheet = FactSheet.read({"payment": "cash and card only", "pickup": "from home, school or work in Northside, Riverside and Old Town only",
                            "wrapping": "white, kraft brown or sage green paper only"})
    assert kinds(sheet, "We do, just make it payable to the shop.", "Do you accept cheques?") == ["not_in_list"]
    assert kinds(sheet, "Yes, we can send you our bank details for a transfer.", "Can I pay by bank transfer?") == ["not_in_list"]
    assert kinds(sheet, "Yes, Eastgate is in our pickup area.", "Do you pick up from Eastgate?") == ["not_in_list"]
    assert kinds(sheet, "Of course, we can wrap it in pink tissue paper.", "Can it be wrapped in pink?") == ["not_in_list"]
    assert kinds(sheet, "Yes, card is fine.", "Can I pay by card?") == []
    assert kinds(sheet, "We also sell scented candles and greeting cards at the counter.") == ["unknown_item"]  # a sale, no payment

def test_list_verbs_and_infinitives_are_no_values():
    sheet = FactSheet.read({"cars": "manual and automatic cars only", "not offered": "no motorcycle lessons"})
    assert kinds(sheet, "Sorry, we only teach cars, so we don't offer motorcycle lessons.") == []
    assert kinds(sheet, "No motorcycle lessons, sorry; we only teach people to drive cars.") == []
    assert kinds(sheet, "Yes, we teach in electric cars too.") == ["not_in_list"]

def test_an_upper_limit_is_no_lower_limit(storage):
    assert kinds(storage, "We deliver up to fifteen miles from the shop.") == ["wrong_number"]
    assert kinds(storage, "We deliver up to ten miles from the shop.") == []

# counts named by the fact's name

def test_a_count_named_by_its_fact_and_asked_for():
    sheet = FactSheet.read({"instructors": "6, all state-certified", "minimum age": "16 with a learner's permit", "address": "14 Orchard Street"})
    assert [(a.value, a.unit, a.bound) for a, _, _ in sheet.amounts] == [(6, "instructor", "="), (16, "age", ">=")]  # no amount of 'Orchard'
    assert kinds(sheet, "We have eight certified instructors.") == ["wrong_number"]
    assert kinds(sheet, "We have six certified instructors.") == []
    assert kinds(sheet, "You can start at seventeen, once you have a learner's permit.", "What age can I start?") == ["wrong_number"]
    assert kinds(sheet, "You can start at sixteen, once you have a learner's permit.", "What age can I start?") == []
    assert kinds(sheet, "You have to be sixteen or over, so a 15-year-old would need to wait.") == []

def test_yes_to_a_thing_the_sheet_never_names():
    sheet = FactSheet.read({"hand-tied bouquet": "$45", "table centrepiece": "$55"})
    assert kinds(sheet, "Yes! Our weekly subscription sends a fresh bouquet every week for $35.", "Do you do flower subscriptions?") == ["unknown_item"]
    assert kinds(sheet, "Yes, our table centrepieces are fifty-five dollars each.", "Do you do flowers for dinner tables?") == []

# domains no rule was written on: a hotel and a bike shop, restated in other words, and wrong

HOTEL = {"reception": "open 24 hours", "check-in": "from 3pm", "check-out": "by 11am",
         "rooms": ["single room, $89 a night", "double room, $129 a night", "family suite, $199 a night"],
         "breakfast": "7am-10am daily, $15 per person", "parking": "$12 a day, no valet parking",
         "pets": "dogs only, up to 2 per room, $20 a night", "we don't offer": "airport shuttle, room service",
         "payment": "Visa, Mastercard or cash only", "phone": "555-0190", "pool": "Mon-Sat 8am-8pm"}
BIKES = {"hours": {"Tue-Sat": "9am-6pm", "Sunday": "10am-4pm", "Monday": "closed"},
         "services": {"basic tune-up": "$65", "full service": "$140", "puncture repair": "$15"},
         "rentals": "city bike $25 a day, e-bike $45 a day; helmets included", "repairs": "turnaround within 3 working days",
         "not offered": ["no motorbike repairs", "no bike storage"], "brands": "Trek and Giant only"}

@pytest.mark.parametrize("facts,answer,question,want", [
    (HOTEL, "Check-in is from 3pm and check-out is by 11am.", "When can I check in?", []),
    (HOTEL, "A double room is $129 a night, so two nights come to $258.", "", []),
    (HOTEL, "Breakfast runs from seven till ten every morning and costs fifteen dollars per person.", "", []),
    (HOTEL, "Yes, dogs are welcome, up to two per room, for $20 a night.", "Can I bring my dog?", []),
    (HOTEL, "The pool is open Monday to Saturday from 8am to 8pm; it's closed on Sundays.", "", []),
    (HOTEL, "A family suite for three nights is $597.", "", []),
    (BIKES, "We're open Tuesday to Saturday 9 to 6 and Sundays 10 to 4; closed Mondays.", "", []),
    (BIKES, "Repairs usually take up to three working days.", "", []),
    (BIKES, "We only stock Trek and Giant bikes.", "", []),
    (BIKES, "A puncture repair is fifteen dollars, and two punctures would be thirty.", "", []),
    (HOTEL, "Check-out is by noon.", "", ["wrong_time"]),
    (HOTEL, "Yes, we offer room service until midnight.", "", ["not_offered"]),
    (HOTEL, "A single room is $99 a night.", "", ["wrong_price"]),
    (BIKES, "Yes, we're open on Mondays from 9am.", "", ["wrong_day"]),
    (BIKES, "Yes, we offer bike storage for $10 a week.", "", ["not_offered"]),
])
def test_unseen_domains(facts, answer, question, want):
    assert kinds(FactSheet.read(facts), answer, question) == want

PHARMACY = {"opening hours": "Monday to Friday 8:30am-7pm, Saturday 9am-5pm, Sundays closed", "flu jab": "$20, walk-in, over 18s only",
            "delivery": "free local delivery for over 65s, Tuesdays and Thursdays only", "we don't do": "travel vaccines, ear piercing",
            "insurance": "we accept Medicare and BlueCross only"}
CAFE = {"menu": {"coffee": {"latte": "$4.50", "espresso": "$3"}, "food": {"avocado toast": "$11"}}, "hours": "7am-3pm every day",
        "milk": "oat, soy and almond only", "wifi": "free, 2 hour limit"}

@pytest.mark.parametrize("facts,answer,want", [
    (PHARMACY, "We're open weekdays half past eight till seven, and Saturdays nine to five.", []),
    (PHARMACY, "We deliver free on Tuesdays and Thursdays for customers over 65.", []),
    (PHARMACY, "Sorry, we don't offer travel vaccines; your GP can help.", []),
    (CAFE, "A latte is $4.50 and an espresso is $3, so $7.50 for both.", []),
    (CAFE, "We have oat, soy and almond milk.", []),
    (PHARMACY, "We deliver on Mondays too.", ["wrong_day"]),
    (PHARMACY, "Yes, we do ear piercing for $15.", ["not_offered"]),
    (PHARMACY, "We also accept Aetna.", ["not_in_list"]),
    (CAFE, "Wifi is free for up to three hours.", ["wrong_number"]),
    (CAFE, "Try our chocolate croissant, just $4.", ["unknown_item"]),  # and no wrong price in the next clause
])
def test_more_unseen_domains(facts, answer, want):
    assert kinds(FactSheet.read(facts), answer) == want

def test_the_first_start_is_an_opening_time_and_a_rate_is_no_duration(school, storage):
    assert kinds(school, "On Saturdays the first lessons start at 9am.") == ["wrong_time"]
    assert kinds(school, "On Saturdays the first lessons start at 8am.") == []
    assert kinds(storage, "The 10x10 ft works out at about $1.29 a square foot a month.") == []

YOGA = {"studio hours": {"Monday": "7am-9pm", "Tuesday": "7am-9pm", "Wednesday": "7am-9pm", "Thursday": "7am-9pm", "Friday": "7am-6pm", "Saturday": "8am-2pm", "Sunday": "closed"},
        "class pass": {"drop-in": "$18", "5-class pack": "$80"}, "classes": "hatha, vinyasa and yin only", "hot yoga": "not offered", "class size": "max 20 people"}
GARAGE = {"opening": "weekdays 8-5:30, Saturday mornings 8-12", "tyres": "fitted from $60 each; brands: Michelin, Pirelli or Continental only",
          "courtesy car": "free, book 2 days ahead", "no": "electric vehicle servicing, bodywork", "warranty": "12 months or 12,000 miles on all repairs"}

@pytest.mark.parametrize("facts,answer,want", [
    (YOGA, "We're open 7am to 9pm Monday to Thursday, 7 till 6 on Fridays and 8 to 2 on Saturdays.", []),  # each range goes with the days after it
    (YOGA, "A drop-in is $18, or a 5-class pack is $80, which works out at $16 a class.", []),
    (GARAGE, "We're open weekdays from 8 until half past five, and Saturday mornings 8 till noon.", []),
    (GARAGE, "We fit Michelin, Pirelli and Continental tyres from $60 each, so four tyres from $240.", []),
    (GARAGE, "All repairs come with a 12-month or 12,000-mile warranty.", []),
    (YOGA, "We also run ashtanga classes.", ["not_in_list"]),
    (YOGA, "On Fridays we close at 9pm.", ["wrong_time"]),
    (GARAGE, "Yes, we do bodywork too.", ["not_offered"]),
    (GARAGE, "We're open Saturday afternoons until 5.", ["wrong_time"]),
    (GARAGE, "Book the courtesy car a day ahead.", ["wrong_number"]),
])
def test_unseen_yoga_and_garage(facts, answer, want):
    assert kinds(FactSheet.read(facts), answer) == want

@pytest.mark.parametrize("facts,answer,question", [
    (HOTEL, "We don't have an airport shuttle, but we can call you a taxi.", "Is there a shuttle?"),
    (HOTEL, "Valet parking isn't available, but our car park is $12 a day.", ""),
    (HOTEL, "For two dogs it's $40 a night.", "I have two dogs, how much?"),
    (HOTEL, "Cats aren't allowed, only dogs.", "Can I bring my cat?"),
    (BIKES, "A city bike for two days is $50.", ""),
    (CAFE, "We don't have coconut milk, but oat, soy and almond are all available.", ""),
    (YOGA, "Each class takes a maximum of 20 people.", ""),
    (YOGA, "Hot yoga isn't on our timetable, but vinyasa is a good workout.", ""),
    (SCHOOL, "Lessons run from 7am to 8pm on weekdays and 8am to 4pm on Saturdays.", ""),
    (SHOP, "We can't book your road test; you'll need to do that with the DMV.", ""),
])
def test_clean_restatements_and_refusals_get_no_flag(facts, answer, question):
    assert kinds(FactSheet.read(facts), answer, question) == []

def test_ages_said_as_over_18s_and_working_days():
    assert kinds(FactSheet.read(PHARMACY), "Flu jabs are for anyone over 16.") == ["wrong_number"]
    assert kinds(FactSheet.read(PHARMACY), "Flu jabs are for anyone over 18.") == []
    assert kinds(FactSheet.read(BIKES), "Repairs take up to a week.") == ["wrong_number"]
    assert kinds(FactSheet.read(BIKES), "Repairs take up to three working days.") == []

def test_what_the_tutorials_rely_on():
    bakery = FactSheet.read(PromptSpec.example("bakery").facts)
    assert kinds(bakery, "The daily special fruit tarts are available on Sundays.", "What day is the daily special fruit tarts available?") == []  # 'the daily special' names no days
    assert kinds(bakery, "Cinnamon rolls are $5 each, on Saturdays only.") == ["wrong_price"]  # the rolls' days, not the shop's
    assert kinds(bakery, "Custom cakes need 1 to 2 days' notice.") == []  # the start of a range is no exact notice
    assert kinds(bakery, "Can I order a nut-free fruit tart? Yes, our nut-free fruit tarts are $4.50.") == ["unknown_item"]

def test_a_worked_out_price_is_said_so_and_an_items_days_are_no_shop_days():
    bakery = FactSheet.read(PromptSpec.example("bakery").facts)
    assert kinds(bakery, "A fruit tart is $4.50 and a croissant is $3.50, so $8 for both.") == ["wrong_price"]  # $3.50 is no difference of the others
    assert kinds(bakery, "A fruit tart is $4.50 and a croissant is $3, so $7.50 for both.") == []
    assert kinds(bakery, "We bake it on Tuesdays only, so it's worth the trip!", "Tell me about the sourdough loaf.") == []
    assert kinds(bakery, "Yes, there is some risk: every item is made in a kitchen that handles nuts.", "Is there a risk of nuts?") == []

def test_someone_elses_hours_and_a_day_said_of_one_order(school):
    assert kinds(school, "Call the DMV for that, and ringing them right when they open at 8:30 is a good idea.") == []
    assert kinds(school, "We open at 8:30 on weekdays.") == ["wrong_time"]
    shop = FactSheet.read({"hours": "Mon-Fri 8am-6pm, Sat 9am-1pm", "delivery times": "weekdays 10am-4pm, Saturday 10am-1pm, no Sunday delivery", "order": "order by 3pm"})
    assert kinds(shop, "Because we don't deliver on Sundays, a Saturday order would go out on Monday, some time between 10am and 4pm.") == []
