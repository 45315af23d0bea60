#!/usr/bin/env python3
"""Turns the FEBRL CSV exports (febrl3.csv, febrl4a.csv + febrl4b.csv) into files Vigie reads
with a column mapping only, plus truth files (record_id,person_id).

usage: febrl_prepare.py FEBRL_DIR OUT_DIR
FEBRL record ids are rec-<person>-org or rec-<person>-dup-<k>: the person is the number.
FEBRL4 is a linkage of two files: they are concatenated with a `source` column (A/B), so a
dedupe of the union finds the cross-file links.
"""
import csv, os, sys

src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)

def person(rec_id):
    return rec_id.split("-")[1]

def convert(inputs, name):
    rows, truth = [], []
    header = None
    for source, path in inputs:
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            header = reader.fieldnames
            for row in reader:
                row = {k: (v or "").strip() for k, v in row.items()}
                row["source"] = source
                # street number and street joined as one address, as a registration form would.
                row["address"] = " ".join(x for x in (row["street_number"], row["address_1"], row["address_2"]) if x)
                rows.append(row)
                truth.append((row["rec_id"], person(row["rec_id"])))
    cols = ["rec_id", "source", "given_name", "surname", "address", "suburb", "postcode", "state", "date_of_birth", "soc_sec_id"]
    with open(f"{out}/{name}.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for row in rows:
            w.writerow([row.get(c, "") for c in cols])
    with open(f"{out}/{name}_truth.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["record_id", "person_id"])
        w.writerows(truth)
    print(f"{name}: {len(rows)} records")

convert([("", f"{src}/febrl3.csv")], "febrl3")
convert([("A", f"{src}/febrl4a.csv"), ("B", f"{src}/febrl4b.csv")], "febrl4")
