"""Structural check of one author's WVS draft file: python check_items.py FILE.jsonl CODE"""

import json
import sys
from collections import Counter

path, code = sys.argv[1], sys.argv[2]
rows = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
errors, domains, first_positive = [], Counter(), 0
for n, r in enumerate(rows, 1):
    where = f"line {n} ({r.get('id')})"
    if set(r) != {"id", "item", "domain", "scenario", "question", "options"}:
        errors.append(f"{where}: keys {sorted(r)}")
        continue
    if r["item"] != code:
        errors.append(f"{where}: item {r['item']}")
    if r["domain"] not in ("family", "workplace", "legal"):
        errors.append(f"{where}: domain {r['domain']}")
    domains[r["domain"]] += 1
    words = len(r["scenario"].split())
    if not 50 <= words <= 150:
        errors.append(f"{where}: scenario has {words} words")
    if not r["question"].strip().endswith("?"):
        errors.append(f"{where}: question must end with ?")
    poles = sorted(o.get("pole") for o in r["options"])
    if len(r["options"]) != 2 or poles != ["negative", "positive"]:
        errors.append(f"{where}: options must be one positive and one negative")
        continue
    for o in r["options"]:
        if not 4 <= len(o["text"].split()) <= 20:
            errors.append(f"{where}: option has {len(o['text'].split())} words")
    first_positive += r["options"][0]["pole"] == "positive"
if len({r["id"] for r in rows}) != len(rows):
    errors.append("duplicate ids")
print(f"{len(rows)} items; per domain {dict(domains)}; positive listed first in {first_positive}")
print("\n".join(errors) if errors else "OK")
