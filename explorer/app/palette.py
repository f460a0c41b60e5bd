"""Colours: the Okabe–Ito palette, safe for the common colour-vision deficiencies.

One colour per party, in file order, used by every plot and control.
"""

from __future__ import annotations

OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "cross", "star", "hexagon")

ZONE = "rgba(0, 158, 115, 0.22)"  # the red-line overlap, a light bluish green
GAP = "rgba(213, 94, 0, 0.30)"  # a red-line gap, a light vermillion
BASELINE = "#B3B3B3"  # a red-line gap at the start: light grey
CURRENT = "#5E3C99"  # ... and now: a dark purple that is no party's colour
GUIDE = "#8C8C8C"  # legend entries that explain a mark rather than name a party
OUTCOME_STYLE = {
    "compromise": ("diamond-open", "#000000"),
    "weighted_median": ("triangle-up-open", "#000000"),
    "nash": ("star", "#000000"),
    "kalai_smorodinsky": ("star-open", "#000000"),
}


def party_colours(party_ids) -> dict[str, str]:
    """Colour per party id; after eight parties colours repeat (symbols then differ).

    >>> party_colours(["a", "b"])
    {'a': '#0072B2', 'b': '#D55E00'}
    """
    return {pid: OKABE_ITO[k % len(OKABE_ITO)] for k, pid in enumerate(party_ids)}


def party_symbols(party_ids) -> dict[str, str]:
    return {pid: SYMBOLS[(k // len(OKABE_ITO)) % len(SYMBOLS)] for k, pid in enumerate(party_ids)}
