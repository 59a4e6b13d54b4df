"""/v1/learn/candidates: a lead lists the candidate example questions, accepts (into the phrase's examples,
with history), rejects or moves them; and the auto-accept setting, fed by real sidebar frames."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from copilot.api.app import create_app
from copilot.learn import candidates
from copilot.learn.candidates import Sighting
from copilot.store.schemas import EXAMPLES_MAX
from tests.conftest import authorize, make_settings, make_token

URL = "/v1/learn/candidates"


def seed(api: TestClient, *sightings: Sighting) -> None:
    """Sightings counted as the sidebars and chat-log imports count them."""
    with api.app.state.services.store.begin() as session:  # type: ignore[attr-defined]
        candidates.record(session, sightings)


def listed(api: TestClient, status: str = "pending") -> list[dict[str, Any]]:
    answer = api.get(URL, params={"status": status})
    assert answer.status_code == 200, answer.text
    return list(answer.json())


def candidate_id(api: TestClient, message: str, status: str = "pending") -> int:
    return next(c["id"] for group in listed(api, status) for c in group["candidates"] if c["message"] == message)


def error_code(answer: Any) -> str:
    return str(answer.json()["error"]["code"])


def test_candidates_are_grouped_by_phrase_the_most_chosen_first(api: TestClient) -> None:
    seed(
        api,
        Sighting("ship-01", "几号能发出", "小张", count=2),
        Sighting("invoice-01", "发票怎么开呀", "小王"),
        Sighting("invoice-01", "发票 怎么开呀！", "小李"),
        Sighting("invoice-01", "发票怎么开呀", "小王"),
        Sighting("invoice-01", "能开专票吗", "小王"),
    )
    groups = listed(api)
    assert [(g["phrase"], g["count"]) for g in groups] == [
        ({"id": "invoice-01", "title": "可以开发票", "intent": "invoice"}, 4),
        ({"id": "ship-01", "title": "发货时间", "intent": "ship_time"}, 2),
    ]
    first, second = groups[0]["candidates"]
    assert {key: first[key] for key in ("message", "status", "count", "agents", "agent_count")} == {
        "message": "发票怎么开呀",
        "status": "pending",
        "count": 3,
        "agents": ["小王", "小李"],
        "agent_count": 2,
    }
    assert first["decided_at"] is None and first["decided_by"] is None
    assert (second["message"], second["count"], second["agents"]) == ("能开专票吗", 1, ["小王"])
    assert listed(api, "accepted") == [] and listed(api, "rejected") == []


def test_accepting_adds_the_message_to_the_phrase_with_history(api: TestClient) -> None:
    seed(api, Sighting("invoice-01", "收据能给一张吗", "小王"))
    cid = candidate_id(api, "收据能给一张吗")
    answer = api.post(f"{URL}/{cid}/accept")
    assert answer.status_code == 200, answer.text
    accepted = answer.json()
    assert {
        key: accepted[key] for key in ("id", "phrase_id", "message", "status", "count", "agents", "decided_by")
    } == {
        "id": cid,
        "phrase_id": "invoice-01",
        "message": "收据能给一张吗",
        "status": "accepted",
        "count": 1,
        "agents": ["小王"],
        "decided_by": "test-lead",
    }
    assert accepted["decided_at"]
    assert api.get("/v1/phrases/invoice-01").json()["examples"][-1] == "收据能给一张吗"
    last = api.get("/v1/phrases/invoice-01/history").json()[-1]
    assert (last["action"], last["source"], last["changed_by"]) == ("update", "learn", "test-lead")
    assert last["after"]["examples"][-1] == "收据能给一张吗" and "收据能给一张吗" not in last["before"]["examples"]
    assert candidate_id(api, "收据能给一张吗", "accepted") == cid and listed(api) == []
    again = api.post(f"{URL}/{cid}/accept")
    assert again.status_code == 409 and error_code(again) == "candidate_decided"
    assert "已采纳" in again.json()["error"]["message"]
    assert api.post(f"{URL}/{cid}/reject").status_code == 409


def test_a_rejected_message_is_never_proposed_again(api: TestClient) -> None:
    seed(api, Sighting("ship-01", "你们是骗子吧", "小王"))
    cid = candidate_id(api, "你们是骗子吧")
    answer = api.post(f"{URL}/{cid}/reject")
    assert answer.status_code == 200 and answer.json()["status"] == "rejected"
    assert answer.json()["decided_by"] == "test-lead"
    seed(api, Sighting("ship-01", "你们是骗子吧？", "小李"))  # chosen again, by someone else
    assert listed(api) == [] and candidate_id(api, "你们是骗子吧", "rejected") == cid
    refused = api.post(f"{URL}/{cid}/accept")
    assert refused.status_code == 409 and error_code(refused) == "candidate_decided"
    assert "你们是骗子吧" not in api.get("/v1/phrases/ship-01").json()["examples"]


def test_moving_proposes_the_message_for_another_phrase(api: TestClient) -> None:
    seed(api, Sighting("invoice-01", "几点前下单当天发", "小王", count=3))
    cid = candidate_id(api, "几点前下单当天发")
    moved = api.post(f"{URL}/{cid}/move", json={"phrase_id": "ship-01"})
    assert moved.status_code == 200, moved.text
    assert (moved.json()["phrase_id"], moved.json()["status"], moved.json()["count"]) == ("ship-01", "pending", 3)
    assert [g["phrase"]["id"] for g in listed(api)] == ["ship-01"]
    missing = api.post(f"{URL}/{cid}/move", json={"phrase_id": "no-such-phrase"})
    assert missing.status_code == 404 and error_code(missing) == "phrase_not_found"
    for bad in ({"phrase_id": "坏 的 ID"}, {}, {"phrase_id": "ship-01", "extra": 1}):
        refused = api.post(f"{URL}/{cid}/move", json=bad)
        assert refused.status_code == 422 and refused.json()["error"]["message"], bad


def test_unknown_candidates_and_bad_parameters_are_refused_in_chinese(api: TestClient) -> None:
    for action, body in (("accept", None), ("reject", None), ("move", {"phrase_id": "ship-01"})):
        answer = api.post(f"{URL}/424242/{action}", json=body)
        assert answer.status_code == 404 and error_code(answer) == "candidate_not_found", action
        assert answer.json()["error"]["message"] == "没有编号为 424242 的候选问法"
    assert api.post(f"{URL}/0/accept").status_code == 422
    assert api.post(f"{URL}/99999999999/accept").status_code == 422  # beyond the id column
    assert api.get(URL, params={"status": "maybe"}).status_code == 422
    assert api.get(URL, params={"limit": 0}).status_code == 422


def test_accepting_for_a_deleted_or_full_phrase_is_refused_and_stays_pending(api: TestClient) -> None:
    seed(api, Sighting("ship-01", "明天能发吗", "小王"), Sighting("invoice-01", "专票能开吗", "小王"))
    gone = candidate_id(api, "明天能发吗")
    assert api.delete("/v1/phrases/ship-01").status_code == 204
    answer = api.post(f"{URL}/{gone}/accept")
    assert answer.status_code == 404 and error_code(answer) == "phrase_not_found"
    phrase = api.get("/v1/phrases/invoice-01").json()
    examples = [*phrase["examples"], *(f"发票问题第{n}种问法" for n in range(EXAMPLES_MAX - len(phrase["examples"])))]
    filled = api.put("/v1/phrases/invoice-01", json={"examples": examples, "version": phrase["version"]})
    assert filled.status_code == 200, filled.text
    full = candidate_id(api, "专票能开吗")
    answer = api.post(f"{URL}/{full}/accept")
    assert answer.status_code == 409 and error_code(answer) == "examples_full"
    assert answer.json()["error"]["details"] == {"phrase_id": "invoice-01", "max": EXAMPLES_MAX}
    assert candidate_id(api, "专票能开吗") == full  # still waiting for a lead


def test_agents_and_logged_out_callers_may_not_decide(api: TestClient) -> None:
    seed(api, Sighting("ship-01", "今天发吗", "小王"))
    cid = candidate_id(api, "今天发吗")
    authorize(api, "agent")
    answer = api.post(f"{URL}/{cid}/accept")
    assert answer.status_code == 403 and error_code(answer) == "role_required"
    assert api.get(URL).status_code == 403
    del api.headers["Authorization"]
    assert api.post(f"{URL}/{cid}/reject").status_code == 401


def read_until(socket: Any, kind: str) -> dict[str, Any]:
    while True:
        frame = socket.receive_json()
        if frame["type"] == kind:
            return dict(frame)


def choose(client: TestClient, token: str, conversation: str, message: str, phrase: str) -> None:
    """A logged-in agent's sidebar: the customer's message arrives, the agent inserts `phrase` for it."""
    with client.websocket_connect("/ws/agent", headers={"Authorization": f"Bearer {token}"}) as socket:
        read_until(socket, "conversations")
        socket.send_json({"type": "customer", "conversation": conversation, "text": message})
        read_until(socket, "suggestions")
        socket.send_json({"type": "used", "phrase": phrase, "conversation": conversation})
        assert read_until(socket, "recorded") == {"type": "recorded", "what": "used"}
    client.portal.call(client.app.state.services.learner.flush)  # type: ignore[attr-defined, union-attr]


def test_a_message_enough_agents_chose_is_accepted_by_itself(
    tmp_path: Path, database_url: str, phrasebank_dir: Path
) -> None:
    settings = make_settings(
        tmp_path, database_url=database_url, phrasebank_dir=phrasebank_dir, learn_auto_accept_agents=2
    )
    with TestClient(create_app(settings)) as client:
        store = client.app.state.services.store  # type: ignore[attr-defined]
        wang, li = make_token(store, "小王", "agent"), make_token(store, "小李", "agent")
        authorize(client, "lead")
        choose(client, wang, "auto-1", "开个收据给我", "invoice-01")
        choose(client, wang, "auto-2", "开个收据给我！", "invoice-01")  # the same agent again: one agent
        [group] = listed(client)
        assert [(c["message"], c["count"], c["agent_count"]) for c in group["candidates"]] == [("开个收据给我", 2, 1)]
        choose(client, li, "auto-3", "开个 收据给我", "invoice-01")  # a second agent
        assert listed(client) == []
        [group] = listed(client, "accepted")
        [accepted] = group["candidates"]
        assert (accepted["decided_by"], accepted["agents"], accepted["count"]) == ("自动采纳", ["小王", "小李"], 3)
        assert client.get("/v1/phrases/invoice-01").json()["examples"][-1] == "开个收据给我"
        assert client.get("/v1/phrases/invoice-01/history").json()[-1]["changed_by"] == "自动采纳"
