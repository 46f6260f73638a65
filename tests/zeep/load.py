"""Loads a WSDL with zeep and prints each port it found: "port <service> <port> <binding> <address>".

Used by tests/http_zeep.rs to check that zeep reads indigo's WSDL with WS-Policy, WCF's msc
attributes and net.tcp ports (which it cannot call, but must not choke on).
"""

import sys

import zeep


def main() -> None:
    client = zeep.Client(sys.argv[1])
    for service in client.wsdl.services.values():
        for port in service.ports.values():
            address = port.binding_options.get("address")
            print(f"port {service.name} {port.name} {port.binding.name.localname} {address}")
    print("LOADED")


if __name__ == "__main__":
    main()
