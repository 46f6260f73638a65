//! SOAP 1.2 + WS-Addressing 1.0 text encoding (UTF-8), read with quick-xml's reader.
