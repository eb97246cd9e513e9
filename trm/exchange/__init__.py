"""Exchange between nodes: envelopes, receipts and the signed trust list."""
