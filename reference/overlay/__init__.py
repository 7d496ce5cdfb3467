"""The reference overlay node: Pastry routing, joins, maintenance and repair.

Pure and deterministic, immutable state of ints and tuples; one concept per module:

- :mod:`.ring`: ids as ints, digits, shared prefixes, ring distance, proximity, ``Ref``;
- :mod:`.leafset`, :mod:`.routing_table`, :mod:`.neighbourhood`: the three tables;
- :mod:`.tables`: :class:`~.tables.Tables` and ``consider`` / ``forget`` / ``refill``;
- :mod:`.routing`: :func:`~.routing.next_hop`, Pastry's routing rule (and ``route``);
- :mod:`.carrier`: routed requests as signed inner frames, or as objects (fast path);
- :mod:`.data`: the node's protocol data (:class:`~.data.OverlayData`);
- :mod:`.join`, :mod:`.forwarding`, :mod:`.maintenance`, :mod:`.probing`,
  :mod:`.repair`: the behaviour; :mod:`.pending`: timers over pending lists, and
  learning while some nodes are declared failed;
- :mod:`.wiremsg`: wire messages built from the tables; :mod:`.context`: the stimulus;
- :mod:`.role`: the guards and actions of ``overlay.node``, ``MACHINE`` and ``ROLE``;
- :mod:`.observe`: the normative observable state.

The pure API an experiment uses: :func:`.routing.next_hop` (and ``next_hop_id``,
``route``) on :class:`.tables.Tables`; :func:`.tables.consider` and
:func:`.tables.forget`; and, to run whole networks fast,
:class:`reference.sim.bodies.BodyRuntime` and :class:`reference.sim.overlay.OverlayNet`.
"""
