#!/usr/bin/env python3
"""Check a matches.csv against an instance (docs/matching.md).

usage: check_matching.py INSTANCE_DIR MATCHES_CSV

INSTANCE_DIR holds needs.csv, offers.csv and meta.json. MATCHES_CSV has the
header need_id,offer_id. On a feasible matching it prints
    matched=<|M|> cost=<sum of cost(i, j)>
and exits 0. Otherwise it reports, on stderr, each kind of problem (unknown
need id, unknown offer id, need matched twice, capacity exceeded, ineligible
pair, malformed row) with its count and the first offending row, prints
"infeasible" and exits 1. A broken instance exits 2.

Standard library only; linear in the size of the files.
"""

import csv
import datetime as dt
import json
import math
import os
import sys
from decimal import Decimal, InvalidOperation

CATEGORIES = ("education", "medical", "housing", "living",
              "production", "employment", "consumption", "care")
REMOTE_CAPABLE = frozenset(("education", "living", "employment", "consumption"))
EARTH_RADIUS_M = 6371008.8
DAY = dt.timedelta(days=1)


def haversine_m(lat1, lon1, lat2, lon2):
    """Great-circle distance in metres, rounded to the nearest whole metre
    (halves round up)."""
    p1 = math.radians(lat1)
    p2 = math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    x = 2.0 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))
    return int(math.floor(x + 0.5))


def parse_time(s):
    s = s.strip()
    if s[-1:] in ("Z", "z"):
        s = s[:-1] + "+00:00"
    t = dt.datetime.fromisoformat(s)
    if t.tzinfo is None:
        raise ValueError("no UTC offset in %r" % s)
    return t


def radius_limit_m(text):
    """floor(1000 * radius_km), exactly (h <= 1000 r  <=>  h <= this)."""
    r = Decimal(text.strip())
    if not r.is_finite() or r <= 0:
        raise ValueError("radius_km must be > 0: %r" % text)
    return int((r * 1000).to_integral_value(rounding="ROUND_FLOOR"))


class BadInstance(Exception):
    pass


def _reader(path, header):
    f = open(path, encoding="utf-8", newline="")
    r = csv.reader(f)
    got = next(r, None)
    if got is None or [h.strip() for h in got] != header:
        f.close()
        raise BadInstance("%s: header must be %s, got %s"
                          % (path, ",".join(header), got))
    return f, r


def load_instance(inst_dir):
    """Return (needs, offers, as_of) where
    needs[id]  = (category, lat, lon, urgency, days_waited)
    offers[id] = (frozenset(categories), lat, lon, limit_m, remote, capacity)."""
    with open(os.path.join(inst_dir, "meta.json"), encoding="utf-8") as f:
        meta = json.load(f)
    as_of = parse_time(meta["as_of"])
    needs = {}
    path = os.path.join(inst_dir, "needs.csv")
    f, r = _reader(path, ["id", "category", "region", "lat", "lon", "urgency",
                          "posted_at"])
    with f:
        for line, row in enumerate(r, start=2):
            try:
                nid, cat, _region, lat, lon, urg, posted = row
                nid = nid.strip()
                cat = cat.strip()
                if cat not in CATEGORIES:
                    raise ValueError("unknown category %r" % cat)
                u = int(urg)
                if u not in (1, 2, 3):
                    raise ValueError("urgency must be 1, 2 or 3")
                days = min(365, (as_of - parse_time(posted)) // DAY)
                if nid in needs:
                    raise ValueError("duplicate need id %r" % nid)
                needs[nid] = (cat, float(lat), float(lon), u, days)
            except (ValueError, TypeError) as e:
                raise BadInstance("%s line %d: %s: %s" % (path, line, e, row))
    offers = {}
    path = os.path.join(inst_dir, "offers.csv")
    f, r = _reader(path, ["id", "categories", "lat", "lon", "radius_km",
                          "remote", "capacity"])
    with f:
        for line, row in enumerate(r, start=2):
            try:
                oid, cats, lat, lon, radius, remote, cap = row
                oid = oid.strip()
                cs = frozenset(c.strip() for c in cats.split(";") if c.strip())
                if not cs or not cs <= set(CATEGORIES):
                    raise ValueError("bad categories %r" % cats)
                remote = remote.strip()
                if remote not in ("true", "false"):
                    raise ValueError("remote must be true or false")
                k = int(cap)
                if k < 1:
                    raise ValueError("capacity must be >= 1")
                if oid in offers:
                    raise ValueError("duplicate offer id %r" % oid)
                offers[oid] = (cs, float(lat), float(lon), radius_limit_m(radius),
                               remote == "true", k)
            except (ValueError, TypeError, InvalidOperation) as e:
                raise BadInstance("%s line %d: %s: %s" % (path, line, e, row))
    return needs, offers, as_of


def pair_cost(need, offer):
    """cost(i, j) for an eligible pair, or None when ineligible."""
    cat, nlat, nlon, u, days = need
    cs, olat, olon, limit, remote, _k = offer
    if cat not in cs:
        return None
    if remote and cat in REMOTE_CAPABLE:
        d = 0
    else:
        d = haversine_m(nlat, nlon, olat, olon)
        if d > limit:
            return None
    return d - 1000000 * u - 1000 * days


def check(inst_dir, matches_csv, out=sys.stdout, err=sys.stderr):
    try:
        needs, offers, _ = load_instance(inst_dir)
    except (BadInstance, OSError, KeyError, ValueError) as e:
        print("bad instance: %s" % e, file=err)
        return 2
    problems = {}          # kind -> [count, first line, first row, detail]
    order = []

    def bad(kind, line, row, detail=""):
        if kind not in problems:
            problems[kind] = [0, line, row, detail]
            order.append(kind)
        problems[kind][0] += 1

    used_need = {}
    used_cap = {}
    matched = 0
    total = 0
    with open(matches_csv, encoding="utf-8", newline="") as f:
        r = csv.reader(f)
        head = next(r, None)
        if head is None or [h.strip() for h in head] != ["need_id", "offer_id"]:
            bad("bad header (want need_id,offer_id)", 1, head)
        for line, row in enumerate(r, start=2):
            if not row:
                continue
            if len(row) != 2:
                bad("malformed row", line, row)
                continue
            nid, oid = row[0].strip(), row[1].strip()
            need = needs.get(nid)
            offer = offers.get(oid)
            ok = True
            if need is None:
                bad("unknown need id", line, row)
                ok = False
            if offer is None:
                bad("unknown offer id", line, row)
                ok = False
            if not ok:
                continue
            if nid in used_need:
                bad("need matched twice", line, row,
                    "first matched on line %d" % used_need[nid])
                ok = False
            else:
                used_need[nid] = line
            n = used_cap.get(oid, 0) + 1
            used_cap[oid] = n
            if n > offer[5]:
                bad("capacity exceeded", line, row,
                    "capacity %d" % offer[5])
                ok = False
            c = pair_cost(need, offer)
            if c is None:
                cat = need[0]
                if cat not in offer[0]:
                    why = "category %s not offered" % cat
                else:
                    why = "distance %d m > %d m" % (
                        haversine_m(need[1], need[2], offer[1], offer[2]), offer[3])
                bad("ineligible pair", line, row, why)
                ok = False
            if ok:
                matched += 1
                total += c
    if problems:
        for kind in order:
            cnt, line, row, detail = problems[kind]
            msg = "%s: %d row(s); first on line %d: %s" % (
                kind, cnt, line, ",".join(row) if row else row)
            if detail:
                msg += " (%s)" % detail
            print(msg, file=err)
        print("infeasible", file=out)
        return 1
    print("matched=%d cost=%d" % (matched, total), file=out)
    return 0


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().split("\n")[2], file=sys.stderr)
        return 2
    return check(argv[1], argv[2])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
