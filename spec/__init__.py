"""PeerMarket specification: versioned message schemas, state-machine tables and prose.

Nothing here behaves: it is data and types. ``reference`` executes it.
"""
