"""Problem files: validation messages and the `meetx schedule` command line."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from matching.scheduler import ProblemError, parse_problem
from matching.scheduler.cli import main

BASE: dict[str, Any] = {
    "slots": 4,
    "tables": 2,
    "participants": [{"id": "p1"}, {"id": "p2"}, {"id": "p3", "max_meetings": 2}],
    "meetings": [
        {"id": "m1", "participants": ["p1", "p2"], "required": True},
        {"id": "m2", "participants": ["p2", "p3"], "score": 0.5, "after": ["m1"]},
    ],
    "resources": {"interpreter-ko": 1},
}


def with_change(path: list[Any], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


BAD_PROBLEMS = [
    ("slots not an integer", with_change(["slots"], "x"), "slots"),
    ("no slots", with_change(["slots"], 0), "slots"),
    ("no tables", with_change(["tables"], 0), "tables"),
    ("participants not a list", with_change(["participants"], {}), "participants"),
    ("unknown participant", with_change(["meetings", 0, "participants"], ["p1", "p9"]), "p9"),
    ("meeting with itself", with_change(["meetings", 0, "participants"], ["p1", "p1"]), "m1"),
    (
        "three participants",
        with_change(["meetings", 0, "participants"], ["p1", "p2", "p3"]),
        "exactly 2",
    ),
    ("duplicate participant", with_change(["participants", 1, "id"], "p1"), "p1"),
    ("duplicate meeting", with_change(["meetings", 1, "id"], "m1"), "m1"),
    ("unavailable slot out of range", with_change(["participants", 0, "unavailable"], [5]), "p1"),
    ("allowed slot out of range", with_change(["meetings", 0, "allowed_slots"], [0, 1]), "m1"),
    ("fixed slot out of range", with_change(["meetings", 0, "fixed_slot"], 9), "m1"),
    ("unknown meeting in after", with_change(["meetings", 1, "after"], ["m7"]), "m7"),
    ("unknown resource", with_change(["meetings", 1, "needs"], ["interpreter-ja"]), "ja"),
    ("negative capacity", with_change(["resources", "interpreter-ko"], -1), "interpreter-ko"),
    ("negative max_meetings", with_change(["participants", 2, "max_meetings"], -2), "p3"),
    ("score not a number", with_change(["meetings", 1, "score"], "high"), "m2"),
    ("required not a bool", with_change(["meetings", 0, "required"], "yes"), "m1"),
    ("table out of range", with_change(["meetings", 0, "table"], 3), "m1"),
    (
        "current slot out of range",
        with_change(["meetings", 0, "current"], {"slot": 5, "table": 1}),
        "m1",
    ),
    ("precedence cycle", with_change(["meetings", 0, "after"], ["m2"]), "cycle"),
    ("spread not an integer", with_change(["objective"], {"max_break_spread": "2"}), "spread"),
    ("session starts not a list", with_change(["session_starts"], 3), "session_starts"),
    ("session start out of range", with_change(["session_starts"], [1, 5]), "session_starts"),
    ("session starts not increasing", with_change(["session_starts"], [3, 2]), "session_starts"),
]


@pytest.mark.parametrize(
    ("data", "needle"), [(d, n) for _, d, n in BAD_PROBLEMS], ids=[c for c, _, _ in BAD_PROBLEMS]
)
def test_bad_problem_is_rejected_with_one_line_naming_the_item(
    data: dict[str, Any], needle: str
) -> None:
    with pytest.raises(ProblemError) as caught:
        parse_problem(json.dumps(data))
    message = str(caught.value)
    assert "\n" not in message
    assert needle in message


def test_malformed_json_is_a_problem_error() -> None:
    with pytest.raises(ProblemError, match="invalid JSON"):
        parse_problem('{"slots": 4,')


def test_two_meetings_sharing_a_current_place_are_rejected() -> None:
    data = copy.deepcopy(BASE)
    data["meetings"][0]["current"] = {"slot": 1, "table": 1}
    data["meetings"][1]["current"] = {"slot": 1, "table": 1}
    with pytest.raises(ProblemError, match="share slot 1 table 1"):
        parse_problem(data)


def test_valid_problem_parses_with_defaults() -> None:
    problem = parse_problem(json.dumps(BASE))
    m2 = problem.meetings[1]
    assert (m2.required, m2.score, m2.after, m2.needs, m2.current) == (
        False,
        0.5,
        ("m1",),
        (),
        None,
    )
    assert problem.objective.minimize_breaks and problem.objective.minimize_moves
    assert problem.participants[2].max_meetings == 2
    assert problem.session_starts == (1,)


def test_session_starts_give_each_slot_its_session() -> None:
    problem = parse_problem(json.dumps({**BASE, "session_starts": [3]}))
    assert problem.session_starts == (1, 3)  # slot 1 always starts a session
    assert problem.session_of_slot()[1:] == (0, 0, 1, 1)


@pytest.mark.parametrize(
    ("data", "needle"),
    [(d, n) for _, d, n in BAD_PROBLEMS[:6]],
    ids=[c for c, _, _ in BAD_PROBLEMS[:6]],
)
def test_cli_bad_file_exits_2_with_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: dict[str, Any], needle: str
) -> None:
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert main([str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("meetx schedule: error: ")
    assert needle in lines[0]


def test_cli_missing_file_and_bad_json_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(tmp_path / "absent.json")]) == 2
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    assert main([str(broken)]) == 2
    errors = capsys.readouterr().err.splitlines()
    assert len(errors) == 2
    assert all(line.startswith("meetx schedule: error: ") for line in errors)


def test_cli_prints_solution_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(BASE), encoding="utf-8")
    assert main([str(path), "--time-limit", "5"]) == 0
    solution = json.loads(capsys.readouterr().out)
    assert solution["status"] == "optimal"
    assert {a["meeting"] for a in solution["assignments"]} == {"m1", "m2"}
    assert set(solution) >= {"status", "assignments", "unplaced", "score", "breaks", "elapsed_s"}


def test_cli_infeasible_problem_still_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = copy.deepcopy(BASE)
    data["participants"][0]["unavailable"] = [1, 2, 3, 4]
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert main([str(path), "--time-limit", "5"]) == 0
    solution = json.loads(capsys.readouterr().out)
    assert solution["status"] == "infeasible"
    assert solution["unplaced"] == [
        {"meeting": "m1", "reason": "participant p1 is unavailable in every allowed slot"}
    ]
