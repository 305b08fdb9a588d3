"""The studio in a real browser: JupyterLab runs the bakery tutorial and curates its rows into a file, Voila shows a
spec's problems, and an unreachable server is a one-line error. Run one at a time: `pytest -m browser`."""
import contextlib, json, os, re, shutil, time
from pathlib import Path
import pytest
from playwright.sync_api import expect
from browser import artifacts_on_failure, chromium, lab_server, open_notebook, run_all, voila_server, wait_for, write_notebook

pytestmark = pytest.mark.browser
expect.set_options(timeout=60_000)  # page.set_default_timeout does not cover expect()
REPO = Path(__file__).parent.parent
VIEWPORT = {"width": 1400, "height": 1100}
LAB_VIEWPORT = {"width": 1400, "height": 1500}  # tall enough that docs/studio-rows.png holds the whole Rows tab

def tab(page, title):
    "Show the studio's tab called `title`."
    page.locator(".synthnb-studio .lm-TabBar-tab", has_text=re.compile(f"^\\s*{title}(\\s*\\(.*\\))?\\s*$")).click()   # "Rows (+5 new)" too

def rows_count(page) -> int:
    "How many rows the Rows tab says the studio holds ('23 rows · 20 ok · 3 failed · …'; 0 before any)."
    m = re.match(r"\s*([\d,]+) rows", page.locator(".synthnb-studio .synthnb-rows-count").inner_text())
    return int(m[1].replace(",", "")) if m else 0

def wait_until(page, check, timeout_s, what):
    "Poll `check()` until it is true; fail after `timeout_s` naming `what`."
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline: raise TimeoutError(f"no {what} after {timeout_s}s")
        page.wait_for_timeout(1000)

def open_editor(studio, row):
    "Open `row` in the editor; its text areas, one per output field (question, response)."
    row.locator(".synthnb-edit").click()
    editor = studio.locator(".synthnb-editor")
    expect(editor).to_be_visible()
    return editor, editor.locator(".synthnb-edit-field textarea")

def ok_rows(studio, k):
    "The first `k` rows of the page whose status is ok, with their questions."
    found = []
    for row in studio.locator(".synthnb-table .synthnb-row:visible:not(.synthnb-failed-row)").all():
        editor, areas = open_editor(studio, row)
        question = areas.nth(0).input_value()
        assert "raw answer" not in editor.inner_text()   # only failed rows show their raw answer
        studio.locator(".synthnb-cancel-edit").click()
        expect(editor).to_be_hidden()
        if question.strip(): found.append((row, question))
        if len(found) == k: return found
    pytest.fail(f"fewer than {k} ok rows on the first page")

def exported_records(studio) -> list:
    "The records of every file the Export tab says it wrote (a train and a validation file by default)."
    paths = [Path(c) for c in studio.locator(".synthnb-export-result code").all_inner_texts()]
    assert paths, studio.locator(".synthnb-export-result").inner_text()
    return [json.loads(line) for p in paths for line in p.read_text(encoding="utf-8").splitlines()]

def assert_no_traceback(page):
    expect(page.locator("body")).not_to_contain_text("Traceback")

def test_lab_bakery_curate_export(tmp_path):
    "Run the bakery tutorial in JupyterLab, edit the spec, generate 3 more rows, reject one, edit one, export JSONL."
    # A copy, so running it leaves the tutorial on disk untouched; its out/ lands beside the copy.
    root = tmp_path/"lab"; root.mkdir()
    shutil.copy(REPO/"nbs/tutorials/bakery.ipynb", root)
    assert "Studio(" in (root/"bakery.ipynb").read_text(), "the bakery tutorial has no studio cell"
    sentence = "Answer warmly, in two sentences at most."
    new_response = "Yes: our sourdough comes out of the oven at 7 am (edited in the browser)."
    with lab_server(root, tmp_path/"home") as (url, log), chromium() as browser:
        page = browser.new_page(viewport=LAB_VIEWPORT)
        with artifacts_on_failure("lab_bakery_curate_export", page, log):
            open_notebook(page, url, "bakery.ipynb")
            expect(page.locator(".jp-Dialog")).to_have_count(0)   # the notebook names its kernel: no Select Kernel dialog
            run_all(page)
            # The tutorial's 20-row generate takes minutes on the embedded model the first time (cached after).
            studio = wait_for(page, ".synthnb-studio", 900)
            studio.scroll_into_view_if_needed()
            assert page.locator(".jp-Dialog").count() == 0
            # The flags of the tutorial's report show under the rows at once, with their reasons, without a click.
            tab(page, "Rows")
            expect(studio.locator(".synthnb-table .synthnb-note").first).to_be_visible()
            expect(studio.locator(".synthnb-stats-head")).to_contain_text("curated")

            tab(page, "Spec")
            instruction = studio.locator(".synthnb-instruction textarea")
            instruction.fill(instruction.input_value() + " " + sentence)
            expect(studio.locator(".synthnb-prompt")).to_contain_text(sentence)
            # Beside the prompt, what the fact checks read; a new fact shows up there as it is typed.
            expect(studio.locator(".synthnb-fact-sheet")).to_contain_text("read by the rules")
            facts = studio.locator(".synthnb-facts textarea")
            facts.fill(facts.input_value() + "\nparking: no parking on site; the car park next door is $2 an hour, $5 a day")
            expect(studio.locator(".synthnb-fact-sheet")).to_contain_text("no parking on site")
            n = studio.locator(".synthnb-n input")
            n.fill("3"); n.press("Enter")

            tab(page, "Rows")
            before = rows_count(page)
            assert before > 0, "the studio shows none of the tutorial's rows"
            studio.locator(".synthnb-generate").click()
            # A changed instruction misses the cache: 3 records from the embedded model, then the quality report.
            wait_until(page, lambda: rows_count(page) >= before + 3, 600, "3 new rows")
            expect(studio.locator(".synthnb-generate")).to_be_enabled(timeout=300_000)
            expect(studio.locator(".synthnb-message")).to_contain_text("done")
            expect(studio.locator(".synthnb-status")).to_contain_text("done: 3 of 3 records")
            # README's screenshots come from here: SYNTHNB_SCREENSHOTS=docs pytest -m browser -k lab_bakery
            shots = Path(os.environ.get("SYNTHNB_SCREENSHOTS") or REPO/"tests/artifacts")
            shots.mkdir(parents=True, exist_ok=True)
            for title in ("Spec", "Stats", "Compare", "Export", "Rows"):
                tab(page, title)
                if title == "Stats": expect(studio.locator(".synthnb-charts .jp-RenderedPlotly").first).to_be_visible()
                if title == "Compare":
                    studio.locator(".synthnb-compare").click()
                    expect(studio.locator(".synthnb-comparison")).to_contain_text("What changed in the spec")
                    expect(studio.locator(".synthnb-comparison")).to_contain_text("$2 an hour, $5 a day")   # the new fact's prices,
                    assert studio.locator(".synthnb-comparison mjx-container").count() == 0                  # not typeset as LaTeX
                page.wait_for_timeout(500)
                studio.screenshot(path=str(shots/f"studio-{title.lower()}.png"))

            (rejected, rejected_question), (edited, _) = ok_rows(studio, 2)
            rejected.locator(".synthnb-reject").click()
            expect(rejected.locator(".synthnb-decision")).to_have_text("rejected")
            _, areas = open_editor(studio, edited)
            areas.nth(1).fill(new_response)
            studio.locator(".synthnb-save-edit").click()
            expect(edited.locator(".synthnb-decision")).to_contain_text("edited")

            curated = int(re.search(r"([\d,]+) curated", studio.locator(".synthnb-rows-count").inner_text())[1].replace(",", ""))
            tab(page, "Export")
            studio.locator(".synthnb-export-format select").select_option("jsonl")
            studio.locator(".synthnb-export-path input").fill(str(tmp_path/"curated.jsonl"))
            studio.locator(".synthnb-export").click()
            expect(studio.locator(".synthnb-export-result")).to_contain_text("curated", timeout=120_000)
            records = exported_records(studio)
            assert_no_traceback(page)

    questions, responses = [r["question"] for r in records], [r["response"] for r in records]
    assert rejected_question not in questions
    assert new_response in responses
    assert len(records) == curated

@contextlib.contextmanager
def voila_studio(tmp_path, source:str, name:str):
    "Serve a notebook of `source` with Voila, open it in Chromium; yield (page, studio, server log) once the studio shows."
    nb = write_notebook(tmp_path/"studio.ipynb", source)
    with voila_server(nb, tmp_path/"home") as (url, log), chromium() as browser:
        page = browser.new_page(viewport=VIEWPORT)
        with artifacts_on_failure(name, page, log):
            page.goto(url)
            yield page, wait_for(page, ".synthnb-studio", 120), log

def test_voila_spec_problems(tmp_path):
    "In Voila, an empty instruction shows a problem beside the form; an empty example value is marked at its cell; no traceback."
    source = "from synthnb.studio import Studio\nfrom synthnb.spec import PromptSpec\nStudio(PromptSpec.example('bakery'))"
    with voila_studio(tmp_path, source, "voila_spec_problems") as (page, studio, log):
        tab(page, "Spec")
        expect(studio.locator(".synthnb-spec-problems .synthnb-error")).to_have_count(0)
        studio.locator(".synthnb-instruction textarea").fill("")
        expect(studio.locator(".synthnb-spec-problems .synthnb-error")).to_contain_text("instruction")
        expect(studio.locator(".synthnb-missing")).to_have_count(0)
        studio.locator(".synthnb-example").nth(1).locator("textarea").nth(1).fill("  ")   # the second example's response
        expect(studio.locator(".synthnb-example").nth(1).locator(".synthnb-missing textarea")).to_have_count(1)
        expect(studio.locator(".synthnb-example-problem")).to_have_text("✗ example 2: `response` is empty; write it or delete the example")
        expect(studio.locator(".synthnb-spec-problems .synthnb-error")).to_contain_text("example 2: `response` is empty")
        # The remove button keeps its width beside the text areas (it was clipped), and its icon shows whole.
        trash = studio.locator(".synthnb-example-remove").first
        box, icon = trash.bounding_box(), trash.locator("i").bounding_box()
        assert box["width"] >= 36 and box["x"] <= icon["x"] and icon["x"] + icon["width"] <= box["x"] + box["width"], (box, icon)
        # The prompt for any topic: a topic added to the list gets its own preview.
        topics = studio.locator(".synthnb-topics textarea")
        topics.fill(topics.input_value() + "\ngift cards")
        studio.locator(".synthnb-preview-topic select").select_option("gift cards")
        expect(studio.locator(".synthnb-prompt")).to_contain_text("gift cards")
        assert_no_traceback(page)

# Rows from a scripted OpenAI-compatible server in the kernel (tests/servers.py): quick, and no model needed.
SCRIPTED_ROWS = f"""import sys; sys.path.insert(0, {str(REPO/'tests')!r})
from servers import ScriptedServer, completion, records_answer
from synthnb.endpoints import Endpoint
from synthnb.generate import generate
from synthnb.spec import PromptSpec
from synthnb.studio import Studio
spec = PromptSpec.example("bakery")
srv = ScriptedServer(lambda body, i: (200, completion(records_answer(body, lambda j: {{"question": f"Question {{i}}.{{j}}?", "response": f"Answer {{i}}.{{j}}."}}))))
df = generate(spec, 6, endpoint=Endpoint(srv.base_url, "scripted", timeout=5), cache=False, progress=False)
Studio(spec, df=df)"""

def test_voila_unreachable_server_is_one_line(tmp_path):
    "Try 5 against a server that isn't there: a one-line error in the message line, no traceback, the rows kept."
    with voila_studio(tmp_path, SCRIPTED_ROWS, "voila_unreachable_server") as (page, studio, log):
        tab(page, "Rows")
        before = rows_count(page)
        assert before == 6
        tab(page, "Spec")
        studio.locator(".synthnb-endpoint select").select_option("other server")
        studio.locator(".synthnb-base-url input").fill("http://127.0.0.1:9/v1")
        studio.locator(".synthnb-model input").fill("nobody")
        logged = len(log.read_text(errors="replace"))
        studio.locator(".synthnb-try5").click()
        error = studio.locator(".synthnb-message .synthnb-error")
        expect(error).to_be_visible(timeout=180_000)
        assert "\n" not in error.inner_text().strip(), error.inner_text()
        expect(studio.locator(".synthnb-try5")).to_be_enabled()
        assert_no_traceback(page)
        expect(studio.locator(".synthnb-retry")).to_be_visible()
        expect(studio.locator(".synthnb-status")).to_contain_text("failed: 5 of 5 records")
        expect(studio.locator(".lm-TabBar-tab", has_text="Rows")).to_have_text(re.compile(r"Rows \(\+5 new\)"))   # they came while Spec showed
        tab(page, "Rows")
        expect(studio.locator(".lm-TabBar-tab", has_text="Rows")).to_have_text(re.compile(r"^\s*Rows\s*$"))
        # The 5 tries are kept as failed rows beside the 6 good ones, each saying why.
        expect(studio.locator(".synthnb-rows-count")).to_contain_text(f"{before + 5} rows · {before} ok · 5 failed")
        expect(studio.locator(".synthnb-failed-row .synthnb-failed").first).to_contain_text("127.0.0.1:9")
        # Once more at the dead server: the same 5 failed rows are tried again, not 5 more.
        studio.locator(".synthnb-try5").click()
        expect(studio.locator(".synthnb-try5")).to_be_disabled()
        expect(studio.locator(".synthnb-try5")).to_be_enabled(timeout=180_000)
        expect(studio.locator(".synthnb-rows-count")).to_contain_text(f"{before + 5} rows · {before} ok · 5 failed")
        # A callback's exception never reaches the page: the kernel writes it to the server's log.
        assert "Traceback" not in log.read_text(errors="replace")[logged:]

# Rows already there (no model): two good ones, one with a day the bakery is closed, one failed with its raw answer.
REVIEW_ROWS = """import pandas as pd
from synthnb.spec import PromptSpec
from synthnb.studio import Studio
rows = pd.DataFrame({"question": ["When do you open on Saturdays?", "Do you have nut-free cakes?", "Are you open on Mondays?", ""],
                     "response": ["We open at 7am on Saturdays.", "Our kitchen handles nuts, so we can't promise nut-free.", "Yes, on Mondays we open at 9am.", ""],
                     "status": ["ok", "ok", "ok", "failed"], "reason": ["", "", "", "the answer stops in the middle of a record"],
                     "raw": ["", "", "", '[{"question": "Do you deliver?", "response": "No, sor'],
                     "topic": ["daily specials", "allergy information", "daily specials", "custom cake orders"]})
studio = Studio(PromptSpec.example("bakery"), df=rows, cache=False)
studio"""

def cells_state(page) -> tuple:
    "How many cells the notebook has, and how many are raw: what JupyterLab's command keys a and r would change."
    return page.locator(".jp-Notebook .jp-Cell").count(), page.locator(".jp-Notebook .jp-RawCell").count()

def test_lab_review_keys_flags_on_open_and_failed_rows(tmp_path):
    "In JupyterLab: flags with their reasons on open, a failed row's reason and raw answer, and review by keys with the notebook's keys kept off."
    root = tmp_path/"lab"; root.mkdir()
    write_notebook(root/"review.ipynb", REVIEW_ROWS)
    with lab_server(root, tmp_path/"home") as (url, log), chromium() as browser:
        page = browser.new_page(viewport=VIEWPORT)
        with artifacts_on_failure("lab_review_keys", page, log):
            open_notebook(page, url, "review.ipynb")
            run_all(page)
            studio = wait_for(page, ".synthnb-studio", 300)
            rows = studio.locator(".synthnb-table .synthnb-row")
            # The report is measured as the studio opens: the Monday row says why it is flagged, without a click.
            monday = rows.filter(has_text="on Mondays we open")
            expect(monday.locator(".synthnb-notes")).to_contain_text("Monday", timeout=180_000)
            expect(monday.locator(".synthnb-notes b").first).not_to_have_text(re.compile("_"))   # words, not snake_case
            expect(monday.locator(".synthnb-field mark").first).to_be_visible()
            failed = studio.locator(".synthnb-failed-row")
            expect(failed.locator(".synthnb-failed")).to_contain_text("stops in the middle of a record")
            expect(failed.locator(".synthnb-raw")).to_contain_text('"Do you deliver?"')
            assert failed.evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
            expect(studio.locator(".synthnb-key-hints")).to_contain_text("reject")

            keys = studio.locator(".synthnb-keys input")
            before = cells_state(page)
            # The trap: click a row's text and press JupyterLab's command keys; the notebook must not change.
            rows.first.locator(".synthnb-field").first.click()
            for key in ("r", "a", "b", "m"): page.keyboard.press(key)
            page.wait_for_timeout(500)
            assert cells_state(page) == before, cells_state(page)
            expect(studio).to_be_visible()
            # Pick row 0 by its number, then review with the keys: r rejects it and goes on; u takes it back.
            first = rows.first
            first.locator(".synthnb-pick").click()
            expect(first).to_have_class(re.compile("synthnb-current-row"))
            expect(keys).to_be_focused()   # the click hands focus to the review box (a round trip to the kernel)
            page.keyboard.press("r")
            expect(first.locator(".synthnb-decision")).to_have_text("rejected")
            expect(rows.nth(1)).to_have_class(re.compile("synthnb-current-row"))
            page.keyboard.press("a")
            expect(rows.nth(1).locator(".synthnb-decision")).to_have_text("accepted")
            page.keyboard.press("u"); page.keyboard.press("u")
            expect(first.locator(".synthnb-decision")).to_have_text("pending")
            # A click on a button hands focus back to the keys: the notebook's keys stay off there too.
            rows.nth(1).locator(".synthnb-reject").click()
            expect(rows.nth(1).locator(".synthnb-decision")).to_have_text("rejected")
            expect(keys).to_be_focused()
            page.keyboard.press("a")
            expect(rows.nth(1).locator(".synthnb-decision")).to_have_text("accepted")
            page.keyboard.press("e")
            expect(studio.locator(".synthnb-editor")).to_be_visible()
            studio.locator(".synthnb-cancel-edit").click()
            expect(keys).to_be_focused()
            for key in ("r", "a", "b"): page.keyboard.press(key)
            page.wait_for_timeout(500)
            assert cells_state(page) == before, cells_state(page)
            assert_no_traceback(page)
