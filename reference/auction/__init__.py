"""The reference auction node (``spec/v1/prose/auction.md``): PeerMart on the stack interface."""
