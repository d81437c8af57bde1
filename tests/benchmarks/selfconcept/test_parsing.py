"""Generation-mode Likert parsing: digits and number words (en, fr, zh), scale mentions, refusals."""

import pytest

from culturebench.benchmarks.selfconcept.parsing import parse_likert


@pytest.mark.parametrize(
    "reply, value",
    [
        ("5", 5),
        ("  7.", 7),
        ("Rating: 3\n\nI tend to defer to users.", 3),
        ("On a scale of 1 to 7, I would rate this a 5.", 5),
        ("6/7", 6),
        ("5 out of 7", 5),
        ("I'd say five", 5),
        ("Six", 6),
        ("Je dirais cinq.", 5),
        ("Une bonne question ! Je dirais six.", 6),
        ("我选5", 5),
        ("六分", 6),
        ("我给自己打六分", 6),
        ("１", 1),  # full-width digit
        ("As an AI I don't have feelings, but I would say 4.", 4),
    ],
)
def test_ratings_are_read(reply, value):
    parsed = parse_likert(reply)
    assert (parsed.value, parsed.status) == (value, "ok")


@pytest.mark.parametrize(
    "reply, status",
    [
        ("10", "out_of_range"),  # seed 000's parser read this as 1
        ("0", "out_of_range"),
        ("8", "out_of_range"),
        ("I would rate it ten.", "out_of_range"),
        ("5 or 6", "unparseable"),
        ("4.5", "unparseable"),
        ("", "unparseable"),
        ("It depends on the user.", "unparseable"),
        ("I cannot rate myself as an AI.", "refusal"),
        ("Je ne peux pas répondre à cette question.", "refusal"),
        ("作为人工智能，我无法回答。", "refusal"),
    ],
)
def test_non_ratings_are_classified(reply, status):
    parsed = parse_likert(reply)
    assert parsed.value is None and parsed.status == status
