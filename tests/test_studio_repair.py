"""The studio's "Repair flagged rows" button, headless, against a scripted OpenAI-compatible server on 127.0.0.1:
the flagged, undecided rows are asked for again in the background, the repairs join the table beside links to their
originals, the audit log holds both steps, and the Export tab writes the verified pair as DPO."""
import json
import datasets, pandas as pd
from synthnb.spec import PromptSpec
from synthnb.endpoints import Endpoint
from synthnb.studio import Studio
from servers import ScriptedServer, completion

SPEC = PromptSpec.example("bakery")
ROWS = pd.DataFrame({"question": ["What number do I call?", "Are you open on Mondays?", "Do you have cinnamon rolls?", "Is the website down?"],
                     "response": ["Call us at 555-9876.", "Yes, from 7am to 6pm on Mondays.", "Yes, on Saturdays, $3.50 each.", "No, it's sunrisebakery.example."],
                     "status": "ok"})

def fixed(body, i):
    "A corrected record for the row the request quotes; a server error for the Monday one (it must end as a failed row)."
    text = body["messages"][-1]["content"]
    if "Mondays" in text.split("What is wrong:")[0].split("This record was checked")[-1]: return 500, {"error": {"message": "boom"}}
    rec = {"question": "What number do I call?", "response": "Call us at 555-1234."}
    schema = (body.get("response_format") or {}).get("json_schema")
    return 200, completion(json.dumps({"records": [rec]} if schema else [rec]))

def test_repair_button_repairs_the_flagged_pending_rows_and_exports_the_pair(tmp_path):
    with ScriptedServer(fixed) as srv:
        st = Studio(SPEC, df=ROWS, endpoint=Endpoint(srv.base_url, "scripted", timeout=5, retries=0), cache=False, measure=False)
        st.measure(); st.wait()
        assert st.session.to_repair() == [0, 1]
        st.decide([1], "accepted")                          # a person decided on row 1: it is left alone
        assert st.session.to_repair() == [0]
        st.decide([1], "accepted")                          # a second click: pending again
        st.repair_button.click()
        assert st.repair_button.disabled or not st.running  # off while it runs
        st.wait()
        assert not st.repair_button.disabled and len(srv.requests) == 2
    df = st.df
    assert len(df) == 6 and df["repair_of"].tolist()[4:] == [0, 1]
    assert (df.at[4, "status"], df.at[4, "passes"], df.at[5, "status"]) == ("ok", True, "failed")
    assert df.at[0, "decision"] == "rejected" and df.at[1, "decision"] == "pending"   # row 1's repair failed: it waits for another try
    assert "500" in df.at[5, "reason"] or "gave up" in df.at[5, "reason"]
    assert "repaired: 2 repairs asked = 1 ok + 1 failed" in st.message.value
    notes = {rv.row: rv.notes.value for rv in st.table.pool if rv.row is not None}
    assert "repaired by row 4: wrong phone number" in notes[0] and "repair of row 0 · passes every check" in notes[4] and "repair of row 1 · failed" in notes[5]
    assert "add: repair of row 0" in st.table.audit.value and "reject: repaired by row 4" in st.table.audit.value
    assert st.session.to_repair() == [1], st.session.findings()   # only the one whose repair failed is left

    st.export_format.value = "dpo"
    assert st.export_path.value.endswith(".jsonl")
    st.export_path.value = str(tmp_path/"pairs.jsonl"); st.export_validation.value = 0
    st.export()
    assert "exported 1 row" in st.message.value, st.message.value
    dpo = datasets.load_dataset("json", data_files=str(tmp_path/"pairs.jsonl"), split="train")
    assert dpo.column_names == ["prompt", "chosen", "rejected"]
    assert (dpo[0]["chosen"][0]["content"], dpo[0]["rejected"][0]["content"]) == ("Call us at 555-1234.", "Call us at 555-9876.")

def test_repair_with_nothing_flagged_says_so():
    st = Studio(SPEC, df=ROWS.iloc[[2]], endpoint=Endpoint("http://127.0.0.1:9/v1", "nobody", timeout=2, retries=0), cache=False, measure=False)
    st.measure(); st.wait()
    st.repair_button.click()
    assert "nothing to repair" in st.message.value and len(st.df) == 1
