"""pagoPA: notice numbers, QR payloads, the creditor SOAP service and receipts."""
