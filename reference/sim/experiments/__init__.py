"""Experiments that compare the reference with its papers: pure, seeded computations.

Each experiment is a function of a configuration that builds networks in the
simulator (:mod:`reference.sim`), runs the reference nodes on them and returns
plain results; printing, files and plots are the command line's business
(:mod:`conformance.cli_experiment`, :mod:`conformance.plots`).

- :mod:`.overlay`: Pastry's hop counts, state size, join cost, failure repair
  and churn (issue 4), against :mod:`.paper`'s figures. Its configuration is
  in :mod:`.config`, its results and the comparison with the paper in
  :mod:`.figures`; :mod:`.lookups`, :mod:`.completeness` and :mod:`.watch`
  are the measuring tools it uses.
"""
