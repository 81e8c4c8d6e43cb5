"""Query sets whose queries are not copied from the documents they look for.

- ``headline``: a news article's title as the query, the document its summary and body;
- ``sentence``: the summary's first sentence as the query, the document the body alone;
- ``alqac``: legal questions of a public shared task (ALQAC 2023), the law article answering each;
- probes on the headline documents: two-word queries typed with marks whose letters have
  look-alikes (``marks``), short queries of 2-3 words (``short``), and near-duplicates made by
  light edits for ``similar``.

Every set is a list of documents (key → text) and queries, each with its one relevant key.
"""

from __future__ import annotations

import itertools
import json
import lzma
import random
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from archive_search.index.analysis import fold, has_diacritics, terms

_SENTENCE_END_RE = re.compile(r"(?<=[.!?…])\s+")
_WORD_RE = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True, slots=True)
class NewsArticle:
    id: str
    title: str
    summary: str
    body: str


@dataclass(frozen=True, slots=True)
class Query:
    """What a user types, and the key of the one document it looks for."""

    text: str
    answer: str


@dataclass(slots=True)
class KnownItemSet:
    """Documents (key → text) and queries with their answers, typed with diacritics.

    ``originals`` are documents that also have a near-duplicate (key ``ORIGINAL~dup``) among the
    documents.
    """

    name: str
    description: str
    docs: dict[str, str]
    queries: list[Query]
    originals: list[str] = field(default_factory=list)

    @staticmethod
    def dup(key: str) -> str:
        return f"{key}~dup"

    def variants(self) -> dict[str, list[Query]]:
        """The queries as typed, and the same with every diacritic stripped."""
        stripped = [Query(strip_marks(q.text), q.answer) for q in self.queries]
        return {"diacritics": self.queries, "accentless": stripped}


def strip_marks(text: str) -> str:
    """``text`` typed without diacritics (``Đảng`` → ``Dang``); case and punctuation kept."""
    text = text.replace("Đ", "D").replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def load_news(path: Path, limit: int) -> list[NewsArticle]:
    """The first ``limit`` articles of a vietnews JSON Lines file with a title, summary and body."""
    articles: list[NewsArticle] = []
    opener = lzma.open if path.suffix == ".xz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            item = json.loads(line)
            title, summary = " ".join(item["title"].split()), item["summary"].strip()
            body = item["body"].strip()
            if title and summary and body:
                articles.append(NewsArticle(item["id"], title, summary, body))
            if len(articles) >= limit:
                break
    return articles


def _sample(items: Sequence[NewsArticle], count: int, seed: int) -> list[NewsArticle]:
    return random.Random(seed).sample(list(items), min(count, len(items)))


def headline_set(
    articles: Sequence[NewsArticle], queries: int, seed: int, *, duplicates: int = 0
) -> KnownItemSet:
    """Headlines as queries; ``duplicates`` articles not queried get a near-duplicate too."""
    docs = {a.id: f"{a.summary}\n\n{a.body}" for a in articles}
    chosen = _sample(articles, queries, seed)
    asked = {a.id for a in chosen}
    rng = random.Random(seed + 2)
    spare = sorted(key for key in docs if key not in asked)
    originals = sorted(rng.sample(spare, min(duplicates, len(spare))))
    for key in originals:
        docs[KnownItemSet.dup(key)] = near_duplicate(docs[key], rng)
    return KnownItemSet(
        "headline",
        "an article's headline as the query; the document is its summary and body",
        docs,
        [Query(a.title, a.id) for a in chosen],
        originals,
    )


def first_sentence(text: str) -> str:
    """The first sentence of ``text`` (the whole text when it has no sentence end)."""
    return _SENTENCE_END_RE.split(text.strip(), maxsplit=1)[0]


def sentence_set(articles: Sequence[NewsArticle], queries: int, seed: int) -> KnownItemSet:
    docs = {a.id: a.body for a in articles}
    chosen = _sample(articles, queries, seed + 1)
    return KnownItemSet(
        "sentence",
        "the summary's first sentence as the query; the document is the body alone",
        docs,
        [Query(first_sentence(a.summary), a.id) for a in chosen],
    )


def alqac_key(law_number: int, article_id: str) -> str:
    return f"law{law_number:02d}-art{article_id}"


def load_alqac(folder: Path, queries: int | None, seed: int) -> KnownItemSet:
    """The laws' articles as documents and the questions (without their choices) as queries."""
    with lzma.open(folder / "law.json.xz", "rt", encoding="utf-8") as handle:
        laws = json.load(handle)
    docs, key_of = {}, {}
    for number, law in enumerate(laws):
        for article in law["articles"]:
            key = alqac_key(number, str(article["id"]))
            docs[key] = article["text"]
            key_of[(law["id"], str(article["id"]))] = key
    questions = json.loads((folder / "train.json").read_text(encoding="utf-8"))
    found = [
        Query(q["text"], key_of[(rel["law_id"], str(rel["article_id"]))])
        for q in questions
        for rel in q["relevant_articles"][:1]
        if (rel["law_id"], str(rel["article_id"])) in key_of
    ]
    if queries is not None and queries < len(found):
        found = random.Random(seed).sample(found, queries)
    return KnownItemSet(
        "alqac",
        "ALQAC 2023 legal questions; the document is the law article that answers each",
        docs,
        found,
    )


# --- probes on the headline documents ----------------------------------------------------------


@dataclass(slots=True)
class Vocabulary:
    """Each document's words as spelled (canonical lowercase) and folded, and who holds each."""

    exact: dict[str, frozenset[str]]
    folded: dict[str, frozenset[str]]
    holders: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    folded_holders: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    @classmethod
    def of(cls, docs: Mapping[str, str]) -> Vocabulary:
        exact = {key: frozenset(terms(text)) for key, text in docs.items()}
        vocab = cls(exact, {key: frozenset(fold(w) for w in words) for key, words in exact.items()})
        for key, words in exact.items():
            for word in words:
                vocab.holders[word].add(key)
            for word in vocab.folded[key]:
                vocab.folded_holders[word].add(key)
        return vocab

    def holds(self, key: str, words: Iterable[str]) -> bool:
        """True when document ``key`` has every word.

        As typed when it carries marks, else in any spelling (what an accentless word means).
        """
        return all(
            w in self.exact[key] if has_diacritics(w) else fold(w) in self.folded[key]
            for w in words
        )

    def holding(self, words: Sequence[str]) -> set[str]:
        sets = [
            self.holders.get(w, set()) if has_diacritics(w) else self.folded_holders.get(w, set())
            for w in words
        ]
        return set.intersection(*sets) if sets else set()


@dataclass(frozen=True, slots=True)
class Probe:
    """A query and its words (canonical lowercase), with how many documents hold them all."""

    text: str
    words: tuple[str, ...]
    holders: int


def marks_probes(
    vocab: Vocabulary, count: int, seed: int, *, enough: int = 10, phrases: Sequence[str] = ()
) -> list[Probe]:
    """Two-word queries typed with marks whose words have look-alikes in the documents.

    Look-alikes have the same letters and other marks; at least ``enough`` documents hold both words
    as typed, and as many others hold only look-alikes of them: adjacent words of ``phrases``
    (headlines), else random pairs.
    """
    spellings: dict[str, set[str]] = defaultdict(set)
    for word, keys in vocab.holders.items():
        if len(keys) >= 3 and _WORD_RE.fullmatch(word):
            spellings[fold(word)].add(word)
    size = len(vocab.exact)
    candidates = {
        w
        for group in spellings.values()
        if len(group) > 1
        for w in group
        if has_diacritics(w) and enough <= len(vocab.holders[w]) <= size // 2
    }
    rng = random.Random(seed)
    if phrases:
        pairs = [p for text in phrases for p in itertools.pairwise(terms(text))]
        rng.shuffle(pairs)
    else:
        pool = sorted(candidates)
        pairs = [
            (a, b) for a, b in (rng.sample(pool, 2) for _ in range(count * 200 * (len(pool) > 1)))
        ]
    probes, seen = list[Probe](), set[tuple[str, ...]]()
    for pair in pairs:
        if len(probes) >= count:
            break
        if tuple(sorted(pair)) in seen or not set(pair) <= candidates:
            continue
        seen.add(tuple(sorted(pair)))
        if fold(pair[0]) == fold(pair[1]):
            continue
        both = vocab.holders[pair[0]] & vocab.holders[pair[1]]
        alike = vocab.folded_holders[fold(pair[0])] & vocab.folded_holders[fold(pair[1])]
        if len(both) >= enough and len(alike - both) >= enough:
            probes.append(Probe(" ".join(pair), tuple(pair), len(both)))
    return probes


# The short word queries of the bench's fixed query set (bench/run.py), then title fragments.
FIXED_SHORT = (
    "công nghệ thông tin",
    "phát triển kinh tế",
    "đảng viên",
    "bệnh viện",
    "giao thông",
    "Hà Nội",
    "cong nghe thong tin",
    "dang vien",
    "phat trien kinh te",
    "benh vien",
    "nong thon moi",
)


def short_probes(
    vocab: Vocabulary, titles: Sequence[str], count: int, seed: int, *, enough: int = 10
) -> list[Probe]:
    """Queries of 2-3 words that at least ``enough`` documents hold in full.

    The fixed ones, then 2-3 consecutive words of headlines, as typed and without marks.
    """
    rng = random.Random(seed)
    texts = list(FIXED_SHORT)
    for title in rng.sample(list(titles), len(titles)):
        letters = _WORD_RE.findall(title)
        width = rng.choice((2, 3))
        if len(letters) >= width:
            start = rng.randrange(len(letters) - width + 1)
            fragment = " ".join(letters[start : start + width])
            texts.append(fragment if rng.random() < 0.7 else strip_marks(fragment))
    probes: list[Probe] = []
    for text in dict.fromkeys(texts):
        words = tuple(terms(text))
        held = len(vocab.holding(words))
        if 2 <= len(words) <= 3 and held >= enough:
            probes.append(Probe(text, words, held))
        if len(probes) >= count:
            break
    return probes


# --- near-duplicates for ``similar`` -----------------------------------------------------------


def near_duplicate(text: str, rng: random.Random) -> str:
    """``text`` lightly edited: one sentence dropped, two words dropped, one comma changed."""
    sentences = _SENTENCE_END_RE.split(text)
    if len(sentences) >= 4:
        del sentences[rng.randrange(1, len(sentences))]
    words = " ".join(sentences).split(" ")
    for _ in range(2):
        if len(words) > 20:
            del words[rng.randrange(len(words))]
    edited = " ".join(words)
    return edited.replace(",", ";", 1) if "," in edited else edited + " ."


# --- a tiny stand-in for the shared data, for tests --------------------------------------------

_SYNTHETIC_SENTENCES = (
    "Người dân sống ven sông lo lắng khi nước sông dâng cao.",
    "Hai tuyến đường chạy song song với bờ sông.",
    "Hiệu trưởng nhà trường họp với phụ huynh về an toàn giao thông.",
    "Trưởng ban chỉ đạo kiểm tra công tác phòng chống thiên tai.",
    "Môi trường sống của cá bị ô nhiễm do chất thải.",
    "Bệnh viện tỉnh tiếp nhận nhiều ca cấp cứu sau vụ tai nạn.",
    "Ủy ban nhân dân thành phố Hà Nội triển khai kế hoạch phát triển kinh tế.",
    "Đảng viên gương mẫu tham gia xây dựng nông thôn mới.",
    "Công nghệ thông tin được ứng dụng trong cải cách hành chính.",
    "Lực lượng công an điều tra vụ trộm tài sản tại chợ.",
    "Giá lúa tăng giúp nông dân có thêm thu nhập.",
    "Học sinh trường trung học tham gia cuộc thi sáng tạo.",
)


def write_synthetic(folder: Path, articles: int, seed: int) -> tuple[Path, Path]:
    """A small news file and ALQAC-shaped folder made of fixed sentences.

    In the shared data's formats: ``(news.jsonl.xz, alqac/)``.
    """
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    news = folder / "news.jsonl.xz"
    with lzma.open(news, "wt", encoding="utf-8") as out:
        for n in range(articles):
            picked = [rng.choice(_SYNTHETIC_SENTENCES) for _ in range(5)]
            title = f"{' '.join(rng.choice(_SYNTHETIC_SENTENCES).split()[:6])} số {n}"
            item = {
                "id": f"syn-{n:04d}",
                "title": title,
                "summary": f"{picked[0]} Mã tin {n}.",
                "body": " ".join([*picked[1:], f"Tin {n} kết thúc."]),
            }
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
    alqac = folder / "alqac"
    alqac.mkdir(exist_ok=True)
    arts = [
        {"id": str(n + 1), "text": f"Điều {n + 1}\n\n{s}"}
        for n, s in enumerate(_SYNTHETIC_SENTENCES)
    ]
    with lzma.open(alqac / "law.json.xz", "wt", encoding="utf-8") as out:
        json.dump([{"id": "Luật Thử nghiệm", "articles": arts}], out, ensure_ascii=False)
    questions = [
        {
            "question_id": f"Q-{n}",
            "text": f"{' '.join(s.split()[:7])} theo quy định nào?",
            "relevant_articles": [{"law_id": "Luật Thử nghiệm", "article_id": str(n + 1)}],
        }
        for n, s in enumerate(_SYNTHETIC_SENTENCES)
    ]
    (alqac / "train.json").write_text(json.dumps(questions, ensure_ascii=False), encoding="utf-8")
    return news, alqac
