"""The probes on the headline documents, scored from every system's top-10 lists of keys.

- ``marks``: the share of the top 10 holding both words as typed (target ≥ 98%);
- ``short``: the share of 2-3-word queries whose top 10 hold only documents with every word;
- ``similar``: the document's opening words as the query find it first and its near-duplicate
  second, and ``Archive.similar`` putting the near-duplicate first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.relcore import TOP
from bench.relsets import KnownItemSet, Probe, Vocabulary, marks_probes, short_probes


@dataclass(slots=True)
class Probes:
    """The probe queries of one set, and the near-duplicated originals."""

    marks: list[Probe] = field(default_factory=list)
    short: list[Probe] = field(default_factory=list)
    originals: list[str] = field(default_factory=list)

    def texts(self, docs: Mapping[str, str]) -> dict[str, list[str]]:
        return {
            "marks": [p.text for p in self.marks],
            "short": [p.text for p in self.short],
            "similar": [_opening(docs[k]) for k in self.originals],
        }


def _opening(text: str) -> str:
    """A document's opening words, as many as a search takes (100 words, 1,900 characters)."""
    return " ".join(text.split()[:100])[:1900].rsplit(" ", 1)[0]


def make_probes(
    s: KnownItemSet, vocab: Vocabulary, titles: Sequence[str], sizes: tuple[int, int], seed: int
) -> Probes:
    """``sizes``: (mark pairs, short queries); at least 10 holders each, fewer in a tiny set."""
    enough = min(TOP, max(2, len(vocab.exact) // 50))
    return Probes(
        marks_probes(vocab, sizes[0], seed, enough=enough, phrases=titles),
        short_probes(vocab, titles, sizes[1], seed, enough=enough),
        list(s.originals),
    )


def marks_figures(
    probes: Sequence[Probe], lists: Mapping[str, Sequence[Sequence[str]]], vocab: Vocabulary
) -> dict[str, Any]:
    out = {
        name: sum(
            sum(vocab.holds(k, p.words) for k in top[:TOP])
            for top, p in zip(tops, probes, strict=True)
        )
        / max(1, TOP * len(probes))
        for name, tops in lists.items()
    }
    return {"probes": len(probes), "examples": [p.text for p in probes[:8]], "systems": out}


def short_figures(
    probes: Sequence[Probe], lists: Mapping[str, Sequence[Sequence[str]]], vocab: Vocabulary
) -> dict[str, Any]:
    out = {
        name: sum(
            len(top) >= min(TOP, p.holders) and all(vocab.holds(k, p.words) for k in top[:TOP])
            for top, p in zip(tops, probes, strict=True)
        )
        / max(1, len(probes))
        for name, tops in lists.items()
    }
    return {"probes": len(probes), "examples": [p.text for p in probes[:8]], "systems": out}


def similar_figures(
    docs: int,
    pairs: Sequence[tuple[str, str]],
    alike: Sequence[Sequence[str]],
    lists: Mapping[str, Sequence[Sequence[str]]],
) -> dict[str, Any]:
    """Near-duplicate figures from document pairs, ``similar()``'s answers and each system's lists.

    ``pairs``: (original, near-duplicate) document ids; ``alike``: ``similar(original)``'s ids;
    ``lists``: each system's ids for the original's text as the query.
    """
    n = max(1, len(pairs))
    dup_first = sum(bool(top) and top[0] == dup for top, (_, dup) in zip(alike, pairs, strict=True))
    return {
        "docs": docs,
        "pairs": len(pairs),
        "similar_dup_first": dup_first / n,
        "systems": {name: _self_query(ranked, pairs) for name, ranked in lists.items()},
    }


def _self_query(
    ranked: Sequence[Sequence[str]], pairs: Sequence[tuple[str, str]]
) -> dict[str, float]:
    n = max(1, len(pairs))
    first = sum(bool(top) and top[0] == d for top, (d, _) in zip(ranked, pairs, strict=True))
    second = sum(
        len(top) > 1 and top[1] == dup for top, (_, dup) in zip(ranked, pairs, strict=True)
    )
    return {"self_first": first / n, "dup_second": second / n}
