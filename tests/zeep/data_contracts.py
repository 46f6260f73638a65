"""Calls the IShop contract (tests/http_zeep.rs): data contracts in several namespaces.

Usage: data_contracts.py <wsdl-url>. zeep builds its proxy from the WSDL alone: an Order in the
default data-contract namespace with a required Guid, a DateTime, a Decimal, Lines of a custom
namespace, an Address of another, an enum with an explicit value (`New`), an emit_default=false
Note and a list of strings. One `ok <Operation>` line per checked result, then `ALL OK`.
"""

import sys
from decimal import Decimal

import zeep
from zeep.plugins import HistoryPlugin

HISTORY = HistoryPlugin()
GUID = "6f9619ff-8b86-d011-b42d-00c04fc964ff"


def check(name, got, want):
    if got != want:
        print(f"FAIL {name}: got {got!r}, want {want!r}")
        if HISTORY.last_sent is not None:
            from lxml import etree

            print(etree.tostring(HISTORY.last_sent["envelope"]).decode())
            if HISTORY.last_received is not None:
                print(etree.tostring(HISTORY.last_received["envelope"]).decode())
        sys.exit(1)
    print(f"ok {name}")


def main():
    client = zeep.Client(sys.argv[1], plugins=[HISTORY])
    svc = client.service
    order = {
        "Id": GUID,
        "Placed": "2024-05-06T07:08:09.1234567Z",
        "Total": Decimal("-12.3400"),
        "Lines": {"Line": [{"Sku": "a", "Quantity": 1}, {"Sku": "b <&>", "Quantity": 2}]},
        "ShipTo": {"City": "Oslo", "Zip": None},
        "Status": "New",
        "Note": None,
        "Tags": {"string": ["x", "y"]},
    }
    check(
        "Describe",
        svc.Describe(order=order),
        f"{GUID} 2024-05-06T07:08:09.1234567Z -12.3400 [1xa,2xb <&>] Oslo/- Fresh - [x,y]",
    )
    # Only the required member: the others are optional in the schema.
    check(
        "Describe(minimal)",
        svc.Describe(order={"Id": GUID}),
        f"{GUID} 0001-01-01T00:00:00 0 [] - Fresh - []",
    )

    out = svc.Process(order=order)
    check(
        "Process",
        (
            out.Id,
            out.Placed.isoformat(),
            out.Total,
            [(line.Sku, line.Quantity) for line in out.Lines.Line],
            (out.ShipTo.City, out.ShipTo.Zip),
            out.Status,
            out.Note,
            out.Tags.string,
        ),
        (
            GUID,
            "2024-05-06T07:08:09.123456+00:00",
            Decimal("-12.3400"),
            [("B <&>", 3), ("A", 2)],
            ("OSLO", "0000"),
            "Shipped",
            "noted",
            ["x", "y", "seen"],
        ),
    )
    # What came back goes back in as zeep read it.
    again = svc.Process(order=out)
    check(
        "Process(again)",
        (again.Status, again.Note, [(line.Sku, line.Quantity) for line in again.Lines.Line], again.Tags.string),
        ("New", None, [("A", 3), ("B <&>", 4)], ["x", "y", "seen", "seen"]),
    )
    print("ALL OK")


if __name__ == "__main__":
    main()
