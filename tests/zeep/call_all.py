"""Calls every operation of the IGeometry contract (tests/http_zeep.rs) through zeep.

Usage: call_all.py <wsdl-url>. zeep builds its proxy from the WSDL alone; every result is checked
here, one `ok <Operation>` line each, then `ALL OK`. Any failure exits non-zero.
"""

import sys

import zeep
from zeep.exceptions import Fault
from zeep.plugins import HistoryPlugin

NS = "http://peers.test/geometry"
HISTORY = HistoryPlugin()


def check(name, got, want):
    if got != want:
        print(f"FAIL {name}: got {got!r}, want {want!r}")
        if HISTORY.last_received is not None:
            from lxml import etree

            print(etree.tostring(HISTORY.last_received["envelope"]).decode())
        sys.exit(1)
    print(f"ok {name}")


def nil_point(value):
    if value is not None and value.x is None and value.y is None:
        return None
    return value


def main():
    client = zeep.Client(sys.argv[1], plugins=[HISTORY])
    svc = client.service

    check("Add", svc.Add(a=2, b=3), 5)
    check("Total", svc.Total(values={"long": [1, 2, 3, 10_000_000_000]}), 10_000_000_006)

    centroid = svc.Centroid(points={"Point": [{"x": 0, "y": 0}, {"x": 4, "y": 8}]})
    check("Centroid", (centroid.x, centroid.y), (2, 4))

    shape = {
        "name": "kite",
        "points": {"Point": [{"x": 1, "y": 2}, {"x": 3, "y": 4}]},
        "color": "Blue",
        "note": None,
        "weight": 1.5,
        "tags": {"string": ["a", "b <&>"]},
        "closed": True,
    }
    check("Describe", svc.Describe(shape=shape), "kite: 2 points, Blue, note=-, weight=1.5, tags=a|b <&>, closed=true")

    made = svc.MakeShape(name="tri", sides=3, note="hé")
    check(
        "MakeShape",
        (made.name, [(p.x, p.y) for p in made.points.Point], made.color, made.note, made.weight, made.tags, made.closed),
        ("tri", [(0, 0), (1, 1), (2, 2)], "Green", "hé", None, None, False),
    )
    made = svc.MakeShape(name="dot", sides=1, note=None)
    check("MakeShape(note=None)", (made.name, made.note, made.color), ("dot", None, "Red"))

    found = svc.Find(name="origin")
    check("Find", (found.x, found.y), (0, 0))
    # indigo writes a missing struct as `<FindResult i:nil="true"/>`, as WCF does; zeep 4.3 does
    # not map xsi:nil on a complex type to None but to an object whose fields are all None.
    check("Find(None)", nil_point(svc.Find(name=None)), None)
    check("Find(unknown)", nil_point(svc.Find(name="nowhere")), None)

    check("Scale", svc.Scale(factor=2.0), 4.0)
    try:
        svc.Scale(factor=-1.0)
    except Fault as fault:
        detail = fault.detail
        invalid = detail.find(f"{{{NS}}}Invalid") if detail is not None else None
        reason = invalid.findtext(f"{{{NS}}}reason") if invalid is not None else None
        code = invalid.findtext(f"{{{NS}}}code") if invalid is not None else None
        check("Scale(fault)", (reason, code), ("the factor must be positive", "22"))
    else:
        print("FAIL Scale(fault): no fault")
        sys.exit(1)

    check("Log", svc.Log(text="one way"), None)
    check("Logged", svc.Logged(), ["one way"])
    print("ALL OK")


if __name__ == "__main__":
    main()
