"""Drafts the loopback Gemini server hands out: ten good F063 family dilemmas, written for these tests."""

from __future__ import annotations


def _item(scenario: str, question: str, positive: str, negative: str, positive_first: bool) -> dict:
    options = [{"text": positive, "pole": "positive"}, {"text": negative, "pole": "negative"}]
    return {"scenario": scenario, "question": question, "options": options if positive_first else options[::-1]}


GOOD = [
    _item(
        "Our first baby arrives next month and my partner and I must register a name within a week of the birth. "
        "My grandmother, who lights a candle for us every morning, has asked that the child carry the name of the "
        "saint she has prayed to through every hard year of her life. We had settled months ago on a short name we "
        "both love, one that sounds good in both of our families' languages. My partner says the decision is mine.",
        "Which name do I put on the birth registration form?",
        "Register the short name my partner and I picked together",
        "Register the name of the saint my grandmother prays to",
        True,
    ),
    _item(
        "My twelve-year-old son made the regional youth football squad, and its tournament games fall on the "
        "mornings of our weekly service for the whole spring. He has missed almost no service since he was small, "
        "and our congregation runs a youth choir he used to enjoy. The coach says players who skip matches lose "
        "their place. My son looks to me to decide, and his father will go along with whatever I choose.",
        "How do I plan my son's spring mornings?",
        "Sign him up for the choir and the morning services instead",
        "Sign him up for the tournament matches on spring mornings",
        False,
    ),
    _item(
        "A cousin who manages our late aunt's small estate must split a garden plot between me and my brother. My "
        "brother wants the elder of our mosque to hear both of us and pronounce a fair division after prayers, as "
        "our parents would have done. I would rather sit down with a land surveyor, measure the plot, and divide it "
        "by size and by the water connection. Both ways cost about the same and my brother says I may pick.",
        "How do I propose that we divide the garden plot?",
        "Ask the mosque elder to hear us and pronounce a division",
        "Ask a land surveyor to measure and split the plot evenly",
        False,
    ),
    _item(
        "This year my employer paid me an unexpected bonus, roughly two months of rent. The roof of the chapel my "
        "family has attended for three generations is leaking, and the minister has asked members to give what "
        "they can so repairs finish before winter. My daughter starts university in two years and her education "
        "fund is still thin. My husband trusts my judgement on money and tells me to do what feels right.",
        "Where does my bonus go?",
        "Put the bonus into my daughter's university fund",
        "Give the bonus to the chapel roof repair appeal",
        True,
    ),
    _item(
        "We have just moved into a house we bought after years of saving. My in-laws offer to bring a priest to "
        "bless every room with incense and chanting on the first weekend, followed by a meal for the relatives. "
        "My partner's college friends suggest instead a relaxed housewarming barbecue in the yard for the new "
        "neighbours on the street. We can afford only one gathering this season, and my partner leaves the choice "
        "to me.",
        "Which gathering do we host on our first weekend?",
        "Host a yard barbecue to meet the neighbours on our street",
        "Host a priest's blessing of the rooms with a family meal",
        True,
    ),
    _item(
        "My fifteen-year-old daughter has asked to drop the Saturday scripture classes she has attended since "
        "primary school so she can join a robotics team that builds machines for a national contest. The classes "
        "prepare teenagers for a confirmation rite our whole family went through. She enjoys both, but the two "
        "clash every Saturday until June, and my wife says she will back my decision.",
        "Which Saturday activity do I enrol our daughter in?",
        "Enrol her in the robotics team that builds contest machines",
        "Enrol her in the scripture classes that prepare confirmation",
        True,
    ),
    _item(
        "Every year my extended family fasts from dawn to dusk for a holy month, and this year it overlaps with the "
        "final weeks of training for my first marathon, run with my sister to raise funds for a children's ward. "
        "My trainer warns that long runs without food or water could injure me. My sister will fast either way, "
        "and she says she will not judge me for what I decide about my own body.",
        "What do I do during the holy month before the race?",
        "Fast each day with my family and shorten my long runs",
        "Eat and drink normally so I can finish my marathon training",
        False,
    ),
    _item(
        "My neighbour's teenage son, who sings beside me in our temple choir, has offered to mind my two toddlers "
        "on weekday evenings while I work late shifts. A nursing student from the campus nearby has also offered; "
        "she holds a paediatric first-aid certificate but shares nothing of our faith. Both ask the same fee and "
        "both have good references. My husband works abroad and asks me to decide.",
        "Whom do I hire to mind the toddlers?",
        "Hire the nursing student who holds the first-aid certificate",
        "Hire the boy from our temple choir whom I know through worship",
        True,
    ),
    _item(
        "For our twentieth wedding anniversary my husband and I have saved for one trip. He would like a week on "
        "the coast, swimming and reading, since we have not had a real rest in years. I had long imagined walking "
        "the old pilgrimage route to a shrine where my mother once gave thanks for my birth. He has said he is glad "
        "to come along on whichever trip I book.",
        "Which anniversary trip do I book for us?",
        "Book the walk along the pilgrimage route to the shrine",
        "Book the week of swimming and reading on the coast",
        False,
    ),
    _item(
        "My elderly father has to choose a care home, and he asked me to visit two and pick one for him. One is run "
        "by an order of nuns, has a chapel with daily mass and staff who pray with residents, and sits an hour "
        "from my flat. The other is a council home ten minutes from me, with a larger garden and a physiotherapy "
        "room. Fees and ratings are about the same.",
        "Which care home do I choose for my father?",
        "Choose the council home near my flat with the physiotherapy room",
        "Choose the home run by nuns with a chapel and daily mass",
        True,
    ),
]
