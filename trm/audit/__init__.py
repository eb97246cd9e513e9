"""The append-only, hash-chained audit log: who read identifying data, wrote, exported, sent,
received or logged in, and when. ``services.audit_record`` appends; ``selectors.audit_verify``
checks the chain."""
