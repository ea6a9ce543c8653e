"""`newsqa chat`: the conversation in a terminal, on the same engine and state as the Telegram bot.

Commands: /more, /article, /next, /prev, /help, /about, /quit; /1, /2 … press the numbered buttons of the last
card. Line editing and history through readline (history in ~/.newsqa_history).
"""

from __future__ import annotations

import contextlib
import re
import sys
from pathlib import Path
from typing import TextIO

from bot.engine import Engine
from bot.render_text import render
from bot.reply import Reply

TERMINAL_CHAT_ID = 0  # the terminal is one chat
HISTORY = Path("~/.newsqa_history").expanduser()
PROMPT = "问> "
NO_BUTTONS = "还没有可以按的按钮：先提一个问题，回复下方会列出 /1、/2 …"
NO_BUTTONS_HERE = "上一条回复没有按钮：换个问法再问，回复下方会列出 /1、/2 …"
NO_BUTTON = "没有 /{n} 这个按钮：上一条回复只有 /1 到 /{count}。"
BUTTON = re.compile(r"^/(\d{1,2})$")
NOT_UTF8 = "这一行不是 UTF-8 文字，读不出来。请用 UTF-8 输入问题。"


def _is_utf8(line: str) -> bool:
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _setup_readline() -> None:
    try:
        import readline
    except ImportError:  # pragma: no cover - platform without readline
        return
    with contextlib.suppress(OSError):
        readline.read_history_file(HISTORY)
    readline.set_history_length(1000)
    import atexit

    atexit.register(_save_history, readline)


def _save_history(readline: object) -> None:
    try:
        readline.write_history_file(HISTORY)  # type: ignore[attr-defined]
    except OSError:
        pass


def _show(reply: Reply, out: TextIO, colour: bool) -> None:
    text = render(reply, colour=colour, with_buttons=False)
    buttons = [b for row in reply.buttons for b in row]
    if buttons:
        text += "\n" + "  ".join(f"/{i} {b.label}" for i, b in enumerate(buttons, start=1))
    out.write(text + "\n\n")
    out.flush()


def run_chat(
    engine: Engine, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout, chat_id: int = TERMINAL_CHAT_ID
) -> int:
    """Read questions until /quit or end of input; returns the exit status."""
    interactive = stdin.isatty() and out.isatty()
    colour = out.isatty()
    if interactive:
        _setup_readline()
    # a new terminal session: the last session's question is no one's 那X呢 (try-out)
    engine.new_conversation(chat_id)
    _show(engine.help(welcome=True), out, colour)
    last: Reply | None = None
    while True:
        try:
            line = input(PROMPT) if interactive else stdin.readline()
        except (EOFError, KeyboardInterrupt):
            out.write("\n")
            return 0
        if not interactive and line == "":
            return 0
        line = line.strip()
        if line in ("/quit", "/exit", "/q"):
            return 0
        if not _is_utf8(line):  # stdin decodes bytes that are not UTF-8 as surrogates: nothing can use them
            out.write(f"{PROMPT}\n{NOT_UTF8}\n\n" if not interactive else f"{NOT_UTF8}\n\n")
            continue
        if not interactive:
            out.write(f"{PROMPT}{line}\n")
        button = BUTTON.match(line)
        if button:
            buttons = [b for row in last.buttons for b in row] if last is not None else []
            index = int(button.group(1)) - 1
            if 0 <= index < len(buttons):
                reply = engine.handle_button(chat_id, buttons[index].data)
                _show(reply, out, colour)
                if reply.buttons:
                    last = reply
                continue
            if buttons:
                missing = NO_BUTTON.format(n=index + 1, count=len(buttons))
            else:  # 没有找到 has no buttons: say so, not that nothing was asked
                missing = NO_BUTTONS if last is None else NO_BUTTONS_HERE
            out.write(f"{missing}\n\n")  # a button number, not an unknown command
            continue
        if line.startswith("/"):
            name, _, args = line[1:].partition(" ")
            reply = engine.handle_command(chat_id, name, args)
        else:
            reply = engine.handle_text(chat_id, line)
        _show(reply, out, colour)
        last = reply
