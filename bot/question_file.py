"""Reading a `newsqa eval` question file, refusing one that is not in the DESIGN.md format with the reason.

A question file is JSONL: one object a line, ``{"id", "q", "gold", "answer", "kind"}`` (``id`` and ``q``
required). A squad-style ``.json`` file needs ``data`` → ``paragraphs`` → ``qas``. Anything else is refused
before a single question is asked, naming the file, the line and what was expected.
"""

from __future__ import annotations

import json
from pathlib import Path

from bot.evaluate import is_squad

FORMAT = 'one JSON object a line with at least "id" and "q" (DESIGN.md: {"id","q","gold","answer","kind"})'


class QuestionFileError(Exception):
    """The file is not a question file; the message says where and what was expected."""


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise QuestionFileError(
            f"{path} is not a UTF-8 text file (byte {exc.start}): a question file is {FORMAT}"
        ) from None
    except OSError as exc:
        raise QuestionFileError(f"cannot read {path}: {exc.strerror or exc}") from None


def question_lines(path: Path) -> list[str]:
    """The non-empty lines of a JSONL question file, each checked to be a question object."""
    numbered = [(n, line) for n, line in enumerate(_text(path).splitlines(), start=1) if line.strip()]
    if not numbered:
        raise QuestionFileError(f"{path} holds no questions: a question file is {FORMAT}")
    for number, line in numbered:
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise QuestionFileError(
                f"{path} line {number} is not JSON ({exc.msg}, column {exc.colno}): a question file is {FORMAT}"
            ) from None
        if not isinstance(item, dict) or not isinstance(item.get("q"), str) or "id" not in item:
            raise QuestionFileError(
                f"{path} line {number} is not a question object: a question file is {FORMAT}"
            )
    return [line for _, line in numbered]


def load(path: Path) -> tuple[bool, list[str]]:
    """(is squad-style, the question lines — empty for squad) of a checked question file."""
    try:
        squad = is_squad(path)
    except UnicodeDecodeError:
        raise QuestionFileError(f"{path} is not a UTF-8 text file: a question file is {FORMAT}") from None
    if squad:
        check_squad(path)
        return True, []
    return False, question_lines(path)


def check_squad(path: Path) -> None:
    """Refuse a ``.json`` file that is not squad-style (``data`` → ``paragraphs`` → ``qas``)."""
    try:
        data = json.loads(_text(path))
        for article in data["data"]:
            for para in article["paragraphs"]:
                if not isinstance(para["context"], str):
                    raise TypeError("context")
                for qa in para["qas"]:
                    if not isinstance(qa["question"], str) or "id" not in qa:
                        raise TypeError("question")
    except json.JSONDecodeError as exc:
        raise QuestionFileError(
            f"{path} is not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "fix it there (python -m json.tool FILE shows the spot)"
        ) from None
    except (KeyError, TypeError, IndexError) as exc:
        raise QuestionFileError(
            f"{path} is not a squad-style file (no {exc} where expected): it needs "
            '{"data": [{"paragraphs": [{"context": str, "qas": [{"id", "question", "answers"}]}]}]}'
        ) from None
