"""The engine's fixed replies: notices (empty or long input, media, errors, stale buttons) and chit-chat that is
answered kindly, never searched."""

from __future__ import annotations

import re

__all__ = ["CHITCHAT", "LATIN_QUESTION", "NOTICES", "notice_kind"]

NOTICES = {
    "empty": "请直接输入问题，例如：{example}",
    "too_long": "问题太长了（{length}字）。请把问题缩短到{limit}字以内，只问一件事。",
    "sticker": "收到贴纸 🙂 我只能回答文字问题，例如：{example}",
    "photo": "我还看不懂图片，请用文字提问，例如：{example}",
    "voice": "我还听不懂语音，请用文字提问，例如：{example}",
    "other": "我只能回答文字问题，例如：{example}",
    "error": "抱歉，处理这条消息时出了问题，请稍后再试。",
    "stale": "这个按钮已经过期了，请重新提问。",
    "hello": "你好！直接输入问题即可，例如：{example}",
    "thanks": "不客气！还有问题尽管问，例如：{example}",
    "bye": "再见！有问题随时来问。",
    "english": "资料库里是中文报纸文章，请用中文提问，例如：{example}\n"
    "The articles are in Chinese: please ask in Chinese, e.g. {example}",
}
#: Messages that are not questions: a greeting, thanks, goodbye (answered kindly, never searched).
CHITCHAT = (
    (
        re.compile(
            r"^(?:你好|您好|嗨|哈喽|hi|hello|hey|早上好|下午好|晚上好|在吗)[呀啊哦！!。.~～\s]*$", re.I
        ),
        "hello",
    ),
    (re.compile(r"^(?:谢谢|多谢|感谢|谢了|thanks?|thank you)[你您啦了呀！!。.~～\s]*$", re.I), "thanks"),
    (re.compile(r"^(?:再见|拜拜|bye|goodbye)[啦了呀！!。.~～\s]*$", re.I), "bye"),
)
LATIN_QUESTION = re.compile(r"^[A-Za-z][A-Za-z0-9\s,.'?!:;\-]{5,}$")


def notice_kind(text: str) -> str | None:
    """The notice a message gets instead of a search (a greeting, thanks, goodbye, a question in English), or
    None: the chat, the bot and ``newsqa ask`` answer these the same way."""
    for pattern, kind in CHITCHAT:
        if pattern.match(text):
            return kind
    return "english" if LATIN_QUESTION.match(text) else None
