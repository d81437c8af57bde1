"""Hofstede drafts the loopback Gemini server hands out, written for these tests: four IDV dilemmas of the
community domain, three IDV dilemmas of a domain the bank does not have (digital life), and two of a
dimension it does not have (monumentalism against flexibility, as a stand-in for a new one)."""

from __future__ import annotations


def _item(scenario: str, question: str, high: str, low: str, high_first: bool) -> dict:
    options = [{"text": high, "pole": "high"}, {"text": low, "pole": "low"}]
    return {"scenario": scenario, "question": question, "options": options if high_first else options[::-1]}


IDV_COMMUNITY = [
    _item(
        "Every summer our street holds a festival, and the residents' committee has asked each household to send "
        "someone to plan it on spring weekends. My neighbours took it for granted that I would join, as my family "
        "has done for years, and they are already counting on me to run the food stalls. I had planned to spend "
        "those weekends training for a long cycling tour that I want to ride alone in the autumn, a goal I have "
        "put off twice already.",
        "How should I spend my spring weekends?",
        "Spend the spring weekends training for the cycling tour",
        "Spend the spring weekends planning the festival food stalls",
        True,
    ),
    _item(
        "I belong to a housing cooperative of thirty flats that decides everything at a yearly meeting. This year "
        "the board proposes solar panels on the roof, and the members have agreed to vote as one bloc so that the "
        "bank sees a united building. I have read the offer closely and think the repayment period is too long "
        "for the flats on the north side, mine among them. The vote is by a show of hands next week.",
        "How should I vote at the cooperative meeting?",
        "Raise my hand against the panels as I judge them",
        "Raise my hand for the panels with the other members",
        False,
    ),
    _item(
        "Most of my relatives and the friends I grew up with live on the same few streets, and we drop in on each "
        "other without calling. My lease ends next month. A flat across town would halve my commute and give me a "
        "quiet place where nobody knows my schedule. A flat three doors from my aunt has also come free, and my "
        "cousins have offered to help me move in and to share meals as we always have. The rents are the same.",
        "Which flat should I rent when my lease ends?",
        "Rent the quiet flat across town near my work",
        "Rent the flat three doors from my aunt",
        False,
    ),
    _item(
        "The allotment society in my district has one large plot that its members farm as a group. They plant "
        "together on set days, decide each spring what to grow, and share the harvest among everyone who works. A "
        "single plot at the edge of the site has just come free, and the secretary says I may have it if I want. "
        "On it I could grow whatever I please and tend it whenever I find time, but I would no longer take part "
        "in the shared work days.",
        "Should I take the single plot or stay with the shared one?",
        "Take the single plot and grow what I choose",
        "Take my share of work on the society's plot",
        True,
    ),
]

IDV_DIGITAL = [
    _item(
        "My mother set up a messaging group for the whole family, from my grandparents to my youngest cousins. "
        "Everyone is expected to post a photo or a few lines every day, and my aunts notice quickly when someone "
        "falls silent. The constant pings distract me at work, and I would rather call my parents on Sundays and "
        "write to my cousins now and then when I have something to say. My sister says a quiet exit would hurt "
        "nobody if I explain it kindly.",
        "How should I keep in touch with my family online?",
        "Mute the family group and message relatives one at a time",
        "Post in the family group every day as the others do",
        True,
    ),
    _item(
        "My three brothers and I pay for one shared set of streaming, music and cloud storage subscriptions out of "
        "a common pot that my eldest brother manages. It is cheaper, but everyone can see what the others watch "
        "and the photo folders are open to all of us. I have started a new job and can afford subscriptions in my "
        "name alone. My eldest brother says splitting up would feel like leaving the family, though he would "
        "accept it.",
        "Should I keep paying into the shared accounts or open separate ones?",
        "Open separate accounts in my name and pay for them myself",
        "Use the shared accounts paid from the brothers' common pot",
        False,
    ),
    _item(
        "A plan to close the public library in our district has started a heated debate online. The group of "
        "friends I volunteer with has written a joint statement for all of us to post, worded so that none of us "
        "stands out and nobody in the group is blamed for it. I agree with most of it, but I want to add my own "
        "reasons and a story about what the library meant to me as a child. Both would reach about the same "
        "people.",
        "What should I post about the library closure?",
        "Post a personal statement under my name on my page",
        "Post the statement our volunteer group agreed on",
        False,
    ),
]

MON_WORKPLACE = [
    _item(
        "I have given the quarterly results talk to our partners in the same calm, detailed style for six years, "
        "and I consider it part of who I am at work. A new partner joins next month, and my manager suggests that "
        "I switch to a short, lively talk with a story and a few pictures, because that is what their people are "
        "used to. She leaves the choice to me and says either talk would be fine with her.",
        "Which talk should I prepare for the new partner?",
        "Prepare the talk in the style I have always used",
        "Prepare the talk in the lively style my manager suggests",
        True,
    ),
    _item(
        "A senior post has opened in my department, and I have done similar work for years with good reviews. My "
        "employer also offers a retraining course in the new software the team will use, which would mean "
        "telling colleagues that my skills have fallen behind and sitting exams with trainees half my age. The "
        "post will be filled again next year, so I could apply now or after the course.",
        "Should I apply for the senior post now or first take the retraining course?",
        "Apply for the senior post with the skills I have now",
        "Sign up for the retraining course and apply next year",
        False,
    ),
]

HOFSTEDE_DRAFTS = IDV_COMMUNITY + IDV_DIGITAL + MON_WORKPLACE
