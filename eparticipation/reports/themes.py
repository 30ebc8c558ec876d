"""Proposed themes of a consultation's comments: the "key concerns" that the report summarises.

The system proposes, editors decide: `propose_themes` groups the comments by what they talk about and
describes each group by its most characteristic terms, its size, the articles it is about and two or three
typical comments. It is deterministic for a given seed, so a proposal can be reproduced.

How, and why:

- **Words.** Each body is cut at whitespace and each piece normalised with `eparticipation.text.normalise`
  (Arabic ي/ك, three sets of digits, diacritics, ZWNJ), then split into words of letters (numbers say little
  about a concern). Stop words (Persian and English, with the names of a regulation's parts, which every
  comment mentions) are dropped, and Persian inflections are cut (`_stem`), so "مهلت‌ها", "مهلتهای" and
  "مهلت" are one word. A piece is analysed once per run and cached: a million comments repeat a few
  hundred thousand pieces at most, and normalising each comment whole would cost most of the run.
- **Duplicates.** Comments with the same words are one text with a count. A campaign (one text sent by many)
  weighs 1 + ln(count) in the clustering, so it is seen but does not pull every theme towards itself; every
  comment still counts in the size of its theme.
- **Features.** Words and pairs of neighbouring words, weighted by TF-IDF (sublinear term frequency),
  projected on the main axes of the sample (latent semantic analysis), where texts that say the same in
  different words come close.
- **A sample, then everyone.** The vocabulary, the projection and the clusters are fitted on at most
  `sample_size` distinct texts drawn at random; then every text is assigned to the nearest centre, in
  batches, so memory stays proportional to the batch and not to the consultation.
- **How many themes.** k-means (from `KMEANS_RUNS` starts) for every k from 2 to `max_themes`, scored by
  the silhouette on a fixed sub-sample of the sample: how much closer each text is to its own theme than
  to the next one. The smallest k whose silhouette is within `SILHOUETTE_TOLERANCE` (10 %) of the best
  wins: on few comments the silhouette also rewards splitting one concern by its wording ("personal data"
  and "personal information"), and the fewer themes are then the better proposal. A k that leaves a group
  of fewer than `MIN_THEME_COMMENTS` comments in the sample is no candidate; when no k is (or
  `max_themes` is 1), every text with a known word is in one theme.
- **Threads.** numpy, scipy and scikit-learn run in one thread: the report runs beside the web server on
  a small shared machine, where their threads spinning for a busy core made a run three times slower.
- **Other.** Texts without a known word, texts whose cosine to their nearest theme is under
  `MIN_SIMILARITY`, and themes with fewer than `MIN_THEME_SHARE` of the comments (or fewer than
  `MIN_THEME_COMMENTS`: one or two people do not make a key concern) go to one "other" bucket: listed last,
  after the themes sorted by size, with `other=True` and the key `OTHER_KEY`. Its representatives are
  the texts sent most often. The sizes of all the entries add up to the number of comments.
"""

import math
import re
import warnings
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import sqlalchemy as sa
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfTransformer
from sklearn.metrics import pairwise_distances, silhouette_score
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from eparticipation.consultations.models import ConsultedArticle
from eparticipation.participation.models import Comment, CommentState
from eparticipation.text import normalise

OTHER_KEY = "other"
MAX_TOP_TERMS = 10
MIN_TOP_TERMS = 5
REPRESENTATIVES = 3
MIN_THEME_SHARE = 0.01  # a smaller group is not a key concern of the consultation
MIN_THEME_COMMENTS = 3  # one or two people do not make a key concern
MIN_SIMILARITY = 0.2  # cosine to the nearest centre under which a text belongs to no theme
SILHOUETTE_SAMPLE = 3000
KMEANS_RUNS = 10  # k-means from this many starts, the best kept: one bad start must not decide the themes
SILHOUETTE_TOLERANCE = 0.1  # the fewest themes whose silhouette is within 10 % of the best
LSA_COMPONENTS = 100
MAX_FEATURES = 50_000
BATCH = 20_000
_WORD_CACHE_MAX = 500_000

_PERSIAN_STOP_WORDS = """
و در به از که این آن را با است برای تا یا هم نیز اما ولی اگر بر چون چه هر همه همین همان آنها اینها ما من
شما او ایشان آنان خود یک دو سه ای ها های می نمی بی پس اینکه آیا هست نیست بود بودن باشد باشند باشیم شود شوند
شده شد شدن کند کنند کنید کنیم کرد کرده کردن دارد دارند داریم داشت داشته ندارد ندارند نداریم باید نباید
میشود میشوند میکند میکنند میکنیم میدهد میدهند دهد دهند دهید گردد گیرد بسیار خیلی لطفا توسط مورد طور بین روی
زیر بدون دیگر دیگری بیشتر حتی فقط چند وجود ضمن جهت درباره مانند مثل نه هیچ کدام چرا چگونه اند ام ایم اید
الان اکنون هنوز باز آنکه زیرا لذا بنابراین همچنین سپس یعنی وقتی اینجا آنجا کسی چیزی نظر پیشنهاد من
پیش‌نویس پیش نویس ماده مواد بند تبصره فصل آیین‌نامه آیین نامه بخشنامه دستورالعمل لایحه مصوبه متن
"""
_ENGLISH_STOP_WORDS = ENGLISH_STOP_WORDS | {"draft", "article", "articles", "clause", "regulation", "bylaw", "please"}
STOP_WORDS = frozenset(normalise(word) for word in _PERSIAN_STOP_WORDS.split()) | _ENGLISH_STOP_WORDS

_WORD = re.compile(r"[^\W\d_]{2,}")  # letters only, on normalised text
_PLURALS = ("هایی", "های", "ها")


@dataclass
class ProposedTheme:
    key: str  # stable within one run: "t1", "t2", … by size; OTHER_KEY for the other bucket
    top_terms: list[str]  # 5–10 most characteristic terms, fewer if the theme has fewer (normalised words or pairs)
    size: int  # number of comments in it
    articles: dict[str, int]  # consulted article number -> comments in this theme ("" for the whole draft)
    representatives: list[int]  # up to 3 comment ids closest to the theme's centre, most typical first
    other: bool = False  # the bucket of comments that fit no theme


def _stem(word: str) -> str:
    """The word without the Persian suffixes that only inflect it: plural ها/های/هایی ("مهلتهای" → "مهلت"),
    اند after a participle or adjective ending in ه ("کوتاهاند" → "کوتاه"), the ezafe ی after ا
    ("اجرای" → "اجرا"). A stem keeps at least three letters ("تنها" stays)."""
    for suffix in _PLURALS:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    if word.endswith("هاند") and len(word) >= 6:
        return word[:-3]
    if word.endswith("ای") and len(word) >= 4:
        return word[:-1]
    return word


class _Corpus:
    """The comments, read once: each distinct text as the int32 ids of its words, each comment as
    (its text, its article), and the first comment id of each text."""

    def __init__(self):
        self.word_ids: dict[str, int] = {}
        self.words: list[str] = []
        self.text_index: dict[bytes, int] = {}
        self.first_ids = array("q")
        self.comment_texts = array("i")
        self.comment_articles = array("i")
        self.article_index: dict[str, int] = {}
        self._pieces: dict[str, bytes] = {}

    def _analyse(self, piece: str) -> bytes:
        """The ids of the words of one whitespace-separated piece of a body, as bytes (cached)."""
        ids = array("i")
        for word in _WORD.findall(normalise(piece)):
            if word in STOP_WORDS:
                continue
            word = _stem(word)
            if word in STOP_WORDS:
                continue
            word_id = self.word_ids.get(word)
            if word_id is None:
                word_id = self.word_ids[word] = len(self.words)
                self.words.append(word)
            ids.append(word_id)
        if len(self._pieces) >= _WORD_CACHE_MAX:
            self._pieces.clear()
        encoded = self._pieces[piece] = ids.tobytes()
        return encoded

    def read(self, comments: Iterable[tuple[int, str | None, str]]) -> None:
        pieces, analyse = self._pieces, self._analyse
        texts, first_ids = self.text_index, self.first_ids
        comment_texts, comment_articles, article_index = self.comment_texts, self.comment_articles, self.article_index
        for comment_id, article, body in comments:
            encoded = []
            for piece in body.split():
                ids = pieces.get(piece)
                encoded.append(analyse(piece) if ids is None else ids)
            key = b"".join(encoded)
            text = texts.get(key)
            if text is None:
                text = texts[key] = len(first_ids)
                first_ids.append(comment_id)
            comment_texts.append(text)
            article = article or ""
            article_number = article_index.get(article)
            if article_number is None:
                article_number = article_index[article] = len(article_index)
            comment_articles.append(article_number)
        self._pieces.clear()


class _Features:
    """Words and pairs of neighbouring words of a set of texts, as keys in one int64 space: a word is its
    id, a pair (a, b) is (a + 1) × n_words + b."""

    def __init__(self, texts: list[bytes], words: list[str]):
        self.texts = texts
        self.words = words
        self.n_words = max(len(words), 1)

    def keys(self, indices) -> tuple[np.ndarray, np.ndarray]:
        """(row, key) of every word and pair of the texts at `indices`, rows numbered from 0."""
        chosen = [self.texts[i] for i in indices]
        words = np.frombuffer(b"".join(chosen), dtype=np.int32).astype(np.int64)
        lengths = np.fromiter((len(text) >> 2 for text in chosen), dtype=np.int64, count=len(chosen))
        rows = np.repeat(np.arange(len(chosen)), lengths)
        same_text = rows[1:] == rows[:-1]
        pairs = ((words[:-1] + 1) * self.n_words + words[1:])[same_text]
        return np.concatenate([rows, rows[1:][same_text]]), np.concatenate([words, pairs])

    def term(self, key: int) -> str:
        if key < self.n_words:
            return self.words[key]
        return f"{self.words[key // self.n_words - 1]} {self.words[key % self.n_words]}"


class _Vocabulary:
    """The features kept from the sample (those in at least `min_df` of its texts, the most frequent first)
    and the counting of any batch of texts against them."""

    def __init__(self, features: _Features, sample: np.ndarray, min_df: int):
        rows, keys = features.keys(sample)
        unique_keys, columns = np.unique(keys, return_inverse=True)
        present = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, columns)),
                                shape=(len(sample), len(unique_keys)))
        document_frequency = np.bincount(present.indices, minlength=len(unique_keys))  # duplicates were summed
        kept = np.flatnonzero(document_frequency >= min_df)
        if len(kept) > MAX_FEATURES:
            order = np.lexsort((unique_keys[kept], -document_frequency[kept]))
            kept = np.sort(kept[order[:MAX_FEATURES]])
        self.features = features
        self.keys = unique_keys[kept]

    def __len__(self):
        return len(self.keys)

    def counts(self, indices) -> sp.csr_matrix:
        rows, keys = self.features.keys(indices)
        position = np.searchsorted(self.keys, keys)
        position[position == len(self.keys)] = 0
        known = self.keys[position] == keys if len(self.keys) else np.zeros(len(keys), dtype=bool)
        return sp.csr_matrix(
            (np.ones(int(known.sum()), dtype=np.float32), (rows[known], position[known])),
            shape=(len(indices), len(self.keys)),
        )


def propose_themes(comments: Iterable[tuple[int, str | None, str]], *, max_themes: int = 8,
                   sample_size: int = 20_000, seed: int = 1405) -> list[ProposedTheme]:
    """Themes of `comments` ((comment id, article number or None, body), each comment once), sorted by size,
    largest first; the other bucket, if any, last. Deterministic for a given seed and input order."""
    if max_themes < 1:
        raise ValueError("max_themes must be at least 1")
    corpus = _Corpus()
    corpus.read(comments)
    if not corpus.comment_texts:
        return []

    with threadpool_limits(limits=1):  # see "Threads" above, and bench/README.md
        return _propose(corpus, max_themes, sample_size, seed)


def _propose(corpus: _Corpus, max_themes: int, sample_size: int, seed: int) -> list[ProposedTheme]:
    texts = list(corpus.text_index)
    comment_texts = np.frombuffer(corpus.comment_texts, dtype=np.int32)
    counts = np.bincount(comment_texts, minlength=len(texts))
    weights = 1 + np.log(counts)
    features = _Features(texts, corpus.words)
    rng = np.random.default_rng(seed)
    with_words = np.flatnonzero(np.fromiter((len(text) > 0 for text in texts), dtype=bool, count=len(texts)))
    sample = with_words
    if len(sample) > sample_size:
        sample = np.sort(rng.choice(with_words, size=sample_size, replace=False))
    model = _fit(features, sample, counts, max_themes, rng, seed)

    n_themes = model.n_themes if model else 0
    other = n_themes
    text_labels = np.full(len(texts), other, dtype=np.int32)
    term_sums = np.zeros((n_themes + 1, len(model.vocabulary) if model else 0))
    label_weights = np.zeros(n_themes + 1)
    closest: list[list[tuple[float, int]]] = [[] for _ in range(n_themes)]
    if model:
        for start in range(0, len(texts), BATCH):
            batch = np.arange(start, min(start + BATCH, len(texts)))
            tfidf, labels, distances = model.assign(batch)
            text_labels[batch] = labels
            indicator = sp.csr_matrix((weights[batch], (labels, np.arange(len(batch)))),
                                      shape=(n_themes + 1, len(batch)))
            term_sums += (indicator @ tfidf).toarray()
            label_weights += np.bincount(labels, weights=weights[batch], minlength=n_themes + 1)
            _keep_closest(closest, batch, labels, distances)

    comment_labels = text_labels[comment_texts]
    sizes = np.bincount(comment_labels, minlength=n_themes + 1)
    smallest = max(MIN_THEME_COMMENTS, math.ceil(MIN_THEME_SHARE * len(comment_texts)))
    tiny = [theme for theme in range(n_themes) if sizes[theme] < smallest]
    if tiny:
        for theme in tiny:
            text_labels[text_labels == theme] = other
            term_sums[other] += term_sums[theme]
            label_weights[other] += label_weights[theme]
        comment_labels = text_labels[comment_texts]
        sizes = np.bincount(comment_labels, minlength=n_themes + 1)

    article_names = list(corpus.article_index)
    comment_articles = np.frombuffer(corpus.comment_articles, dtype=np.int32)
    per_article = np.bincount(comment_labels.astype(np.int64) * len(article_names) + comment_articles,
                              minlength=(n_themes + 1) * len(article_names)).reshape(n_themes + 1, len(article_names))

    def describe(theme: int, key: str, representatives: list[int]) -> ProposedTheme:
        return ProposedTheme(
            key=key,
            top_terms=_top_terms(theme, term_sums, label_weights, features, model),
            size=int(sizes[theme]),
            articles={article_names[a]: int(n) for a, n in enumerate(per_article[theme]) if n},
            representatives=representatives,
            other=theme == other,
        )

    kept = sorted((theme for theme in range(n_themes) if theme not in tiny), key=lambda theme: (-sizes[theme], theme))
    themes = [
        describe(theme, f"t{rank}", [corpus.first_ids[text] for _, text in closest[theme]])
        for rank, theme in enumerate(kept, start=1)
    ]
    if sizes[other]:
        unthemed = np.flatnonzero(text_labels == other)
        most_sent = unthemed[np.lexsort((unthemed, -counts[unthemed]))[:REPRESENTATIVES]]
        themes.append(describe(other, OTHER_KEY, [corpus.first_ids[text] for text in most_sent]))
    return themes


class _Model:
    """The fitted pipeline: counts → TF-IDF → LSA → k-means."""

    def __init__(self, vocabulary, tfidf, lsa, kmeans):
        self.vocabulary, self.tfidf, self.lsa, self.kmeans = vocabulary, tfidf, lsa, kmeans
        self.n_themes = kmeans.n_clusters if kmeans is not None else 1
        centres = kmeans.cluster_centers_ if kmeans is not None else None
        self.unit_centres = normalize(centres) if centres is not None else None

    def embed(self, tfidf):
        return normalize(self.lsa.transform(tfidf)) if self.lsa is not None else tfidf

    def assign(self, batch):
        """(TF-IDF rows, theme, distance to its centre) of the texts at `batch`; the other bucket's
        number (n_themes) for texts with no known word or nothing in common with their nearest theme."""
        tfidf = self.tfidf.transform(self.vocabulary.counts(batch))
        has_terms = np.diff(tfidf.indptr) > 0
        other = self.n_themes
        if self.kmeans is None:
            return tfidf, np.where(has_terms, 0, other).astype(np.int32), np.zeros(len(batch))
        embedded = self.embed(tfidf)
        distances = self.kmeans.transform(embedded)
        labels = distances.argmin(axis=1).astype(np.int32)
        similarity = np.asarray((embedded @ self.unit_centres.T))[np.arange(len(batch)), labels]
        labels[~has_terms | (similarity < MIN_SIMILARITY)] = other
        return tfidf, labels, distances[np.arange(len(batch)), labels.clip(max=other - 1)]


def _fit(features, sample, counts, max_themes, rng, seed) -> "_Model | None":
    """The pipeline fitted on the sample, with the number of themes chosen by silhouette; None when the
    sample has no word to go by. A word of a single text cannot bring two texts together, so the
    vocabulary keeps words of two texts or more, unless no word is in two texts. A k that
    makes a group of fewer than `MIN_THEME_COMMENTS` comments is not a candidate: on a few comments the
    silhouette keeps rising as they fall apart into pairs and singletons."""
    if len(sample) == 0:
        return None
    vocabulary = _Vocabulary(features, sample, min_df=2)
    if len(vocabulary) == 0:
        vocabulary = _Vocabulary(features, sample, min_df=1)
    if len(vocabulary) == 0:
        return None
    sample_counts = vocabulary.counts(sample)
    tfidf = TfidfTransformer(sublinear_tf=True).fit(sample_counts)
    sample_tfidf = tfidf.transform(sample_counts)
    keep = np.diff(sample_tfidf.indptr) > 0
    sample, sample_tfidf = sample[keep], sample_tfidf[keep]
    candidates = range(2, min(max_themes, len(sample) - 1) + 1)
    if not candidates:
        return _Model(vocabulary, tfidf, None, None)
    lsa = None
    components = min(LSA_COMPONENTS, len(vocabulary) - 1, len(sample) - 1)
    if components >= 2:
        lsa = TruncatedSVD(n_components=components, random_state=seed).fit(sample_tfidf)
    model = _Model(vocabulary, tfidf, lsa, None)
    embedded = model.embed(sample_tfidf)
    scored = rng.permutation(len(sample))[:SILHOUETTE_SAMPLE]
    distances = pairwise_distances(embedded[scored])
    scores = []
    for k in candidates:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            kmeans = KMeans(n_clusters=k, n_init=KMEANS_RUNS, random_state=seed)
            kmeans.fit(embedded, sample_weight=1 + np.log(counts[sample]))
        if np.bincount(kmeans.labels_, weights=counts[sample], minlength=k).min() < MIN_THEME_COMMENTS:
            continue
        labels = kmeans.labels_[scored]
        if not 2 <= len(np.unique(labels)) <= len(scored) - 1:
            continue
        scores.append((float(silhouette_score(distances, labels, metric="precomputed")), kmeans))
    if not scores:
        return _Model(vocabulary, tfidf, None, None)
    best = max(score for score, _ in scores)
    chosen = next(kmeans for score, kmeans in scores if score >= best - SILHOUETTE_TOLERANCE * abs(best))
    return _Model(vocabulary, tfidf, lsa, chosen)


def _keep_closest(closest, batch, labels, distances) -> None:
    """Merges the batch's texts nearest to each centre into `closest` (distance, text), nearest first."""
    for theme, candidates in enumerate(closest):
        members = np.flatnonzero(labels == theme)
        if not len(members):
            continue
        nearest = members[np.lexsort((members, distances[members]))[:REPRESENTATIVES]]
        candidates.extend((float(distances[m]), int(batch[m])) for m in nearest)
        candidates.sort()
        del candidates[REPRESENTATIVES:]


def _top_terms(theme, term_sums, label_weights, features, model) -> list[str]:
    """The terms most weighed in the theme and least outside it; a term whose words the terms before it
    already show is skipped (after "حریم خصوصی", neither "حریم" nor "خصوصی")."""
    if model is None or not label_weights[theme]:
        return []
    inside = term_sums[theme] / label_weights[theme]
    outside_weight = label_weights.sum() - label_weights[theme]
    outside = (term_sums.sum(axis=0) - term_sums[theme]) / outside_weight if outside_weight else 0
    score = inside - outside
    columns = np.arange(len(score))
    characteristic = [c for c in np.lexsort((columns, -score)) if score[c] > 0]
    frequent = [c for c in np.lexsort((columns, -inside)) if inside[c] > 0]
    chosen, shown = [], set()
    for column in characteristic + frequent:
        if len(chosen) >= MIN_TOP_TERMS and score[column] <= 0:
            break
        term = features.term(int(model.vocabulary.keys[column]))
        if term in chosen:
            continue
        words = set(term.split())
        if words <= shown:
            continue
        chosen.append(term)
        shown |= words
        if len(chosen) == MAX_TOP_TERMS:
            break
    return chosen


def comments_for_themes(dbsession, draft, *, batch_size: int = 5000) -> Iterator[tuple[int, str | None, str]]:
    """The draft's visible comments as (id, consulted article number or None, body), in id order,
    streamed by one statement (a server-side cursor on PostgreSQL): hidden comments are not the public's
    concerns, and withdrawn ones are no longer their authors'."""
    statement = (
        sa.select(Comment.id, ConsultedArticle.number, Comment.body)
        .outerjoin(ConsultedArticle, Comment.article_id == ConsultedArticle.id)
        .where(Comment.draft_id == draft.id, Comment.state == CommentState.visible)
        .order_by(Comment.id)
        .execution_options(yield_per=batch_size)
    )
    result = dbsession.execute(statement)
    try:
        for comment_id, article_number, body in result:
            yield comment_id, article_number, body
    finally:
        result.close()


def open_answers_for_themes(dbsession, draft) -> Iterator[tuple[int, str | None, str]]:
    """The survey's open (text) answers, as themes take comments: one text per submission (its open answers
    joined), with the submission's id negated so that it never meets a comment's id, about the whole draft.
    What people wrote in the survey is their concern as much as a comment is; it is grouped with the comments.
    Two statements (the text questions, then the submissions), the answers read as JSON text."""
    from eparticipation.surveys.models import Question, QuestionKind, Submission, Survey

    questions = dbsession.execute(
        sa.select(Question.id, Question.survey_id).join(Survey, Survey.id == Question.survey_id)
        .where(Survey.draft_id == draft.id, Question.kind == QuestionKind.text)
        .order_by(Question.position, Question.id)
    ).all()
    if not questions:
        return
    answers = [Submission.answers[str(question_id)].as_string() for question_id, _ in questions]
    statement = (
        sa.select(Submission.id, *answers)
        .where(Submission.survey_id == questions[0].survey_id)
        .order_by(Submission.id)
        .execution_options(yield_per=5000)
    )
    result = dbsession.execute(statement)
    try:
        for submission_id, *texts in result:
            body = "\n".join(text.strip() for text in texts if isinstance(text, str) and text.strip())
            if body:
                yield -submission_id, None, body
    finally:
        result.close()
