#!/usr/bin/env python3
"""Generate a synthetic matching instance for Dongkou County (洞口县, 430525).

Writes needs.csv, offers.csv and meta.json in the format of docs/matching.md.
Standard library only; the output is a pure function of the options (and of
data/dongkou_regions.csv, when it is present).

Geography (fixed by --geo-seed, the same for every --seed and every size):
townships are clusters inside an ellipse of about 2,200 km2 around the county
seat (27.06 N, 110.58 E); the 3 街道 sit at the seat; 334 villages and 3
communities are points around their township centre; each village has
--hamlets hamlet points (村民小组) a few hundred metres (--jitter-m) from the
village point, and every need sits exactly on one of them, so many needs share
a location and category (use --hamlets 0 for an independent jitter per need).

Offers: most volunteers live outside the county (at big cities all over China
or in a neighbouring county seat), are remote=true and list categories that are
only partly remote-capable; a minority are local (at the county seat, a
township centre or a village point), mostly remote=false, radius 3-30 km.
Local and outside offers sit exactly on shared points, radii come from a short
list, so many offers share location, categories, radius and remote flag.

The defaults are calibrated so that the greedy first-come-first-served
baseline matches about 65 % of needs at county scale (104,096 needs, 92,507
offers, seed 1), as the real county did.

Example:
  gen_instance.py --seed 1 --needs 104096 --offers 92507 --out county
"""

import argparse
import bisect
import csv
import datetime as dt
import json
import math
import os
import random
import sys

CATEGORIES = ["education", "medical", "housing", "living",
              "production", "employment", "consumption", "care"]
REMOTE_CAPABLE = {"education", "living", "employment", "consumption"}

COUNTY_CODE = "430525"
SEAT = (27.06, 110.58)              # county seat, lat/lon degrees
ELLIPSE_CENTRE = (27.10, 110.52)
ELLIPSE_A_KM = 36.0                 # semi-major axis, along azimuth below
ELLIPSE_B_KM = 19.5                 # semi-minor; pi*a*b ~ 2,205 km2
ELLIPSE_AZIMUTH_DEG = 120.0         # long axis runs WNW-ESE
N_VILLAGES = 334
N_COMMUNITIES = 3
KM_PER_DEG_LAT = 111.195

# Where volunteers from outside the county live: (name, lat, lon, weight).
CITIES = [
    ("深圳", 22.543, 114.058, 14), ("广州", 23.129, 113.264, 12),
    ("东莞", 23.021, 113.752, 8), ("佛山", 23.022, 113.122, 5),
    ("长沙", 28.228, 112.939, 14), ("邵阳", 27.239, 111.468, 8),
    ("北京", 39.904, 116.407, 6), ("上海", 31.230, 121.474, 6),
    ("杭州", 30.274, 120.155, 3), ("武汉", 30.593, 114.305, 3),
    ("珠海", 22.271, 113.577, 2), ("厦门", 24.480, 118.089, 2),
    ("成都", 30.573, 104.066, 2), ("重庆", 29.563, 106.551, 2),
    ("南京", 32.060, 118.797, 2), ("苏州", 31.299, 120.585, 2),
    ("怀化", 27.550, 109.998, 2), ("衡阳", 26.894, 112.572, 2),
    ("株洲", 27.828, 113.134, 1), ("湘潭", 27.830, 112.945, 1),
    ("娄底", 27.700, 111.994, 1), ("桂林", 25.274, 110.290, 1),
    ("南宁", 22.817, 108.366, 1), ("天津", 39.343, 117.362, 1),
    ("西安", 34.341, 108.940, 1), ("郑州", 34.747, 113.625, 1),
    ("昆明", 25.038, 102.718, 1), ("贵阳", 26.647, 106.630, 1),
    ("福州", 26.074, 119.296, 1), ("宁波", 29.868, 121.544, 1),
    ("温州", 28.000, 120.672, 1), ("合肥", 31.820, 117.227, 1),
    ("南昌", 28.682, 115.858, 1), ("济南", 36.651, 117.120, 1),
    ("青岛", 36.067, 120.383, 1), ("沈阳", 41.805, 123.431, 0.5),
    ("哈尔滨", 45.803, 126.535, 0.5), ("海口", 20.044, 110.199, 0.5),
    ("乌鲁木齐", 43.825, 87.617, 0.3), ("拉萨", 29.652, 91.172, 0.2),
]
# Seats of neighbouring counties: their volunteers can reach border villages.
NEIGHBOURS = [
    ("武冈", 26.727, 110.631, 3), ("隆回", 27.114, 111.032, 3),
    ("绥宁", 26.581, 110.155, 2), ("洪江", 27.201, 109.836, 1),
    ("溆浦", 27.908, 110.595, 1),
]

DEFAULTS = {
    "as_of": "2020-07-01T08:00:00+08:00",
    "geo_seed": 430525,
    "hamlets": 5,
    "jitter_m": 400.0,
    # needs
    "need_mix": "education:14,living:16,employment:10,consumption:10,"
                "medical:16,housing:10,production:14,care:10",
    "village_mix_sigma": 0.35,     # per-village lognormal spread of that mix
    "urgency_mix": "1:75,2:20,3:5",
    # offers
    "local_share": 0.16,           # share of offers from local volunteers
    "local_remote_share": 0.15,    # local volunteers with remote=true
    "local_radii": "3:2,5:3,8:3,10:3,15:2,20:1,30:1",
    "local_home": "seat:25,township:35,village:40",
    "local_cats": "education:12,living:14,employment:8,consumption:6,"
                  "medical:14,housing:10,production:16,care:20",
    "outside_remote_share": 0.95,  # outside volunteers with remote=true
    "neighbour_share": 0.04,       # outside volunteers in a neighbouring seat
    "outside_radii": "5:1,10:2,20:2,30:1,50:1",
    "outside_cats": "education:24,living:9,employment:5,consumption:22,"
                    "medical:10,housing:6,production:10,care:12",
    "ncats_mix": "1:50,2:35,3:15",
    "capacity_mix": "1:70,2:20,3:10",
}


def parse_mix(text, keys=None, cast=str):
    """'a:1,b:2' -> ([a, b], [1.0, 2.0]), validated."""
    vals, weights = [], []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        k, _, w = part.partition(":")
        k = cast(k.strip())
        if keys is not None and k not in keys:
            raise SystemExit("unknown key %r in %r" % (k, text))
        w = float(w)
        if w < 0:
            raise SystemExit("negative weight in %r" % text)
        vals.append(k)
        weights.append(w)
    if not vals or sum(weights) <= 0:
        raise SystemExit("empty mix %r" % text)
    return vals, weights


class Picker:
    """Weighted choice with a precomputed cumulative table."""

    def __init__(self, vals, weights):
        self.vals = list(vals)
        self.cum = []
        s = 0.0
        for w in weights:
            s += w
            self.cum.append(s)
        self.total = s

    def pick(self, rng):
        i = bisect.bisect_right(self.cum, rng.random() * self.total)
        return self.vals[min(i, len(self.vals) - 1)]


def offset(lat, lon, north_km, east_km):
    """Point north_km/east_km away from (lat, lon) (local flat approximation)."""
    dlat = north_km / KM_PER_DEG_LAT
    dlon = east_km / (KM_PER_DEG_LAT * math.cos(math.radians(lat)))
    return lat + dlat, lon + dlon


def local_km(lat, lon, ref=ELLIPSE_CENTRE):
    north = (lat - ref[0]) * KM_PER_DEG_LAT
    east = (lon - ref[1]) * KM_PER_DEG_LAT * math.cos(math.radians(ref[0]))
    return north, east


def inside_county(lat, lon, margin_km=0.0):
    n, e = local_km(lat, lon)
    az = math.radians(ELLIPSE_AZIMUTH_DEG)
    u = e * math.sin(az) + n * math.cos(az)          # along the long axis
    v = e * math.cos(az) - n * math.sin(az)          # across it
    a = ELLIPSE_A_KM - margin_km
    b = ELLIPSE_B_KM - margin_km
    return (u / a) ** 2 + (v / b) ** 2 <= 1.0


def random_in_county(rng, margin_km=0.0):
    az = math.radians(ELLIPSE_AZIMUTH_DEG)
    while True:
        u = rng.uniform(-ELLIPSE_A_KM, ELLIPSE_A_KM)
        v = rng.uniform(-ELLIPSE_B_KM, ELLIPSE_B_KM)
        e = u * math.sin(az) + v * math.cos(az)
        n = u * math.cos(az) - v * math.sin(az)
        lat, lon = offset(ELLIPSE_CENTRE[0], ELLIPSE_CENTRE[1], n, e)
        if inside_county(lat, lon, margin_km):
            return lat, lon


def flat_km(p, q):
    n1, e1 = local_km(*p)
    n2, e2 = local_km(*q)
    return math.hypot(n1 - n2, e1 - e2)


def load_townships(path):
    """Real township codes/names from dongkou_regions.csv, or None."""
    if not path or not os.path.exists(path):
        return None
    out = []
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            code = row["code"].strip()
            if row["level"].strip() == "township" and code.startswith(COUNTY_CODE):
                out.append((code[6:9], row["name"].strip()))
    out.sort()
    return out or None


def build_geography(geo_seed, townships, hamlets, jitter_m):
    """Townships, villages and hamlet points; deterministic from geo_seed."""
    rng = random.Random("geo:%d" % geo_seed)
    if townships is None:   # synthesise 24 codes: 3 街道 + 21 镇/乡
        townships = [("%03d" % (i + 1), "街道%d" % (i + 1)) for i in range(3)]
        townships += [("%03d" % (101 + i), "乡镇%d" % (i + 1)) for i in range(21)]
    urban = [t for t in townships if t[0] < "100"]   # 街道 codes are 0xx
    rural = [t for t in townships if t[0] >= "100"]
    centres = {}
    # 街道 at the county seat, a couple of km apart.
    for k, (code, _) in enumerate(urban):
        if k == 0:
            centres[code] = SEAT
        else:
            ang = 2 * math.pi * k / max(1, len(urban) - 1) + 0.7
            centres[code] = offset(SEAT[0], SEAT[1], 2.2 * math.cos(ang),
                                   2.2 * math.sin(ang))
    # Rural township seats spread by best-candidate sampling.
    placed = list(centres.values())
    for code, _ in rural:
        best, best_d = None, -1.0
        for _ in range(40):
            p = random_in_county(rng, margin_km=3.0)
            d = min(flat_km(p, q) for q in placed)
            if d > best_d:
                best, best_d = p, d
        centres[code] = best
        placed.append(best)
    # Villages per township: weights ~ lognormal, 街道 get few (mostly urban).
    w = {}
    for code, _ in townships:
        w[code] = rng.lognormvariate(0.0, 0.35) * (0.35 if code < "100" else 1.0)
    total_w = sum(w.values())
    n_t = {code: max(2, int(N_VILLAGES * w[code] / total_w)) for code, _ in townships}
    order = sorted(townships, key=lambda t: -w[t[0]])
    k = 0
    while sum(n_t.values()) < N_VILLAGES:
        n_t[order[k % len(order)][0]] += 1
        k += 1
    while sum(n_t.values()) > N_VILLAGES:
        c = order[k % len(order)][0]
        if n_t[c] > 2:
            n_t[c] -= 1
        k += 1
    villages = []   # dicts: code, lat, lon, weight, hamlets
    for idx, (code, _) in enumerate(townships):
        c = centres[code]
        near = min(flat_km(c, centres[o]) for o, _ in townships if o != code)
        spread = max(2.5, 0.6 * near)
        members = []
        if code < "100" and idx < N_COMMUNITIES:        # one community each
            p = offset(c[0], c[1], rng.uniform(-0.8, 0.8), rng.uniform(-0.8, 0.8))
            members.append(("%03d" % 1, p, 1.5))
        for v in range(n_t[code]):
            for _ in range(1000):
                r = spread * math.sqrt(rng.random())
                a = rng.uniform(0, 2 * math.pi)
                p = offset(c[0], c[1], r * math.cos(a), r * math.sin(a))
                if inside_county(p[0], p[1], margin_km=0.5):
                    break
            members.append(("%03d" % (201 + v), p, rng.lognormvariate(0.0, 0.5)))
        for vcode, p, vw in members:
            pts = []
            for _ in range(hamlets):
                r = jitter_m / 1000.0 * math.sqrt(rng.random())
                a = rng.uniform(0, 2 * math.pi)
                pts.append(offset(p[0], p[1], r * math.cos(a), r * math.sin(a)))
            mix = [rng.gauss(0.0, 1.0) for _ in CATEGORIES]   # scaled later
            villages.append({"code": COUNTY_CODE + code + vcode, "lat": p[0],
                             "lon": p[1], "weight": vw, "hamlets": pts,
                             "township": code, "mixz": mix})
    return townships, centres, villages


def rfc3339(t):
    return t.isoformat(timespec="seconds")


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--needs", type=int, required=True)
    ap.add_argument("--offers", type=int, required=True)
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--regions", default=os.path.join(here, "..", "..", "data",
                                                      "dongkou_regions.csv"),
                    help="township codes (default data/dongkou_regions.csv;"
                         " synthetic codes when missing)")
    ap.add_argument("--config", help="JSON object overriding any option below")
    for k, v in DEFAULTS.items():
        ap.add_argument("--" + k.replace("_", "-"), type=type(v), default=None,
                        help="default %r" % (v,))
    a = ap.parse_args(argv)
    cfg = dict(DEFAULTS)
    if a.config:
        with open(a.config, encoding="utf-8") as f:
            extra = json.load(f)
        for k, v in extra.items():
            k = k.replace("-", "_")
            if k not in DEFAULTS:
                raise SystemExit("unknown config key %r" % k)
            cfg[k] = type(DEFAULTS[k])(v)
    for k in DEFAULTS:
        v = getattr(a, k)
        if v is not None:
            cfg[k] = v
    if a.needs < 0 or a.offers < 0:
        raise SystemExit("--needs and --offers must be >= 0")

    as_of = dt.datetime.fromisoformat(cfg["as_of"])
    if as_of.tzinfo is None:
        raise SystemExit("--as-of needs a UTC offset")
    cats_set = set(CATEGORIES)
    need_mix = dict(zip(*parse_mix(cfg["need_mix"], cats_set)))
    urg = Picker(*parse_mix(cfg["urgency_mix"], {1, 2, 3}, int))
    local_radii = Picker(*parse_mix(cfg["local_radii"], None, float))
    outside_radii = Picker(*parse_mix(cfg["outside_radii"], None, float))
    local_home = Picker(*parse_mix(cfg["local_home"], {"seat", "township", "village"}))
    local_cats = dict(zip(*parse_mix(cfg["local_cats"], cats_set)))
    outside_cats = dict(zip(*parse_mix(cfg["outside_cats"], cats_set)))
    ncats = Picker(*parse_mix(cfg["ncats_mix"], {1, 2, 3, 4, 5, 6, 7, 8}, int))
    capmix = Picker(*parse_mix(cfg["capacity_mix"], None, int))
    for r in local_radii.vals + outside_radii.vals:
        if not r > 0:
            raise SystemExit("radii must be > 0")
    for k in capmix.vals:
        if k < 1:
            raise SystemExit("capacities must be >= 1")

    townships, centres, villages = build_geography(
        cfg["geo_seed"], load_townships(a.regions), cfg["hamlets"], cfg["jitter_m"])

    rng = random.Random("inst:%d" % a.seed)
    os.makedirs(a.out, exist_ok=True)
    width = max(6, len(str(max(a.needs, a.offers, 1))))

    # ---- needs ----
    vpick = Picker(range(len(villages)), [v["weight"] for v in villages])
    sigma = cfg["village_mix_sigma"]
    vmix = []
    for v in villages:
        # per-village mix: global mix times lognormal(0, sigma) factors
        ws = [need_mix.get(c, 0.0) * math.exp(sigma * z - sigma * sigma / 2)
              for c, z in zip(CATEGORIES, v["mixz"])]
        vmix.append(Picker(CATEGORIES, ws))
    year_s = 365 * 86400
    with open(os.path.join(a.out, "needs.csv"), "w", encoding="utf-8",
              newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "category", "region", "lat", "lon", "urgency",
                    "posted_at"])
        for i in range(a.needs):
            vi = vpick.pick(rng)
            v = villages[vi]
            cat = vmix[vi].pick(rng)
            if v["hamlets"]:
                lat, lon = v["hamlets"][rng.randrange(len(v["hamlets"]))]
            else:
                r = cfg["jitter_m"] / 1000.0 * math.sqrt(rng.random())
                ang = rng.uniform(0, 2 * math.pi)
                lat, lon = offset(v["lat"], v["lon"], r * math.cos(ang),
                                  r * math.sin(ang))
            u = urg.pick(rng)
            posted = as_of - dt.timedelta(seconds=rng.randrange(60, year_s))
            w.writerow(["N%0*d" % (width, i + 1), cat, v["code"],
                        "%.6f" % lat, "%.6f" % lon, u, rfc3339(posted)])

    # ---- offers ----
    tw = [centres[c] for c, _ in townships]
    city = Picker(range(len(CITIES)), [c[3] for c in CITIES])
    nb = Picker(range(len(NEIGHBOURS)), [c[3] for c in NEIGHBOURS])
    vhome = Picker(range(len(villages)), [v["weight"] for v in villages])

    def pick_cats(weights):
        n = min(ncats.pick(rng), sum(1 for c in CATEGORIES if weights.get(c, 0) > 0))
        chosen = []
        pool = [c for c in CATEGORIES if weights.get(c, 0) > 0]
        while len(chosen) < n:
            p = Picker(pool, [weights[c] for c in pool]).pick(rng)
            chosen.append(p)
            pool.remove(p)
        return [c for c in CATEGORIES if c in chosen]   # canonical order

    def fmt_r(r):
        return ("%d" % r) if float(r).is_integer() else ("%g" % r)

    with open(os.path.join(a.out, "offers.csv"), "w", encoding="utf-8",
              newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "categories", "lat", "lon", "radius_km", "remote",
                    "capacity"])
        for j in range(a.offers):
            if rng.random() < cfg["local_share"]:
                home = local_home.pick(rng)
                if home == "seat":
                    lat, lon = SEAT
                elif home == "township":
                    lat, lon = tw[rng.randrange(len(tw))]
                else:
                    v = villages[vhome.pick(rng)]
                    lat, lon = v["lat"], v["lon"]
                radius = local_radii.pick(rng)
                remote = rng.random() < cfg["local_remote_share"]
                cats = pick_cats(local_cats)
            else:
                if rng.random() < cfg["neighbour_share"]:
                    _, lat, lon, _ = NEIGHBOURS[nb.pick(rng)]
                else:
                    _, lat, lon, _ = CITIES[city.pick(rng)]
                radius = outside_radii.pick(rng)
                remote = rng.random() < cfg["outside_remote_share"]
                cats = pick_cats(outside_cats)
            cap = capmix.pick(rng)
            w.writerow(["O%0*d" % (width, j + 1), ";".join(cats), "%.6f" % lat,
                        "%.6f" % lon, fmt_r(radius), "true" if remote else "false",
                        cap])

    with open(os.path.join(a.out, "meta.json"), "w", encoding="utf-8") as f:
        json.dump({"as_of": rfc3339(as_of)}, f)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
