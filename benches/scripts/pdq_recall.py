#!/usr/bin/env python3
"""Does a PDQm search find the patient the query was drawn from? Reads the `.expected` file
written next to a PDQ request list by `vigie-mllp-load --mode pdq --from records.csv
--write-paths pdqm.txt` (path TAB system|value), asks each search for its first page of 10
and prints how often that identifier is on the first hit and on the first page, per query kind
(F family, G given name, D birth date). The server must hold the file the queries came from.

usage: pdq_recall.py pdqm.txt.expected [BASE_URL]   (default http://127.0.0.1:18080)
"""
import collections, json, sys, urllib.request

expected = sys.argv[1]
base = sys.argv[2] if len(sys.argv) > 2 else "http://127.0.0.1:18080"
first = collections.Counter()
page = collections.Counter()
total = collections.Counter()
for line in open(expected, encoding="utf-8"):
    if not line.strip():
        continue
    path, identifier = line.rstrip("\n").split("\t")
    system, value = identifier.split("|", 1)
    with urllib.request.urlopen(f"{base}{path}&_count=10") as response:
        bundle = json.load(response)
    ranks = [
        i for i, entry in enumerate(bundle.get("entry", []))
        if any(x.get("system") == system and x.get("value") == value
               for x in entry["resource"].get("identifier", []))
    ]
    kind = "F" + ("G" if "given=" in path else "") + ("D" if "birthdate=" in path else "")
    total[kind] += 1
    first[kind] += bool(ranks) and ranks[0] == 0
    page[kind] += bool(ranks)
n = sum(total.values())
print(json.dumps({
    "queries": n,
    "patient_first": sum(first.values()),
    "patient_on_first_page": sum(page.values()),
    "by_kind": {k: {"queries": total[k], "first": first[k], "first_page": page[k]} for k in sorted(total)},
}))
