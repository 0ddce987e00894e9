"""Text normalisation and tokenizers used by :class:`sknn.text.TextVectorizer`.

The default pipeline follows Keras' ``TextVectorization``
(``standardize='lower_and_strip_punctuation'``, ``split='whitespace'``):

0. ``strip_invisible``: invisible characters are deleted (:func:`strip_invisible`:
   non-whitespace controls, zero-width and bidirectional format characters; the
   Persian/Indic joiners U+200C/U+200D are kept only inside words), so text
   that looks the same gives the same tokens;
1. ``lowercase``: :meth:`str.lower`;
2. ``strip_accents``: ``'unicode'`` decomposes the text (NFKD) and removes every
   combining mark (accents, and the Arabic harakat U+064B-U+065F and the
   superscript alef U+0670) and the Arabic tatweel U+0640; ``'ascii'`` keeps
   only what NFKD maps to ASCII (as scikit-learn); a callable is applied as is;
3. ``strip_punctuation``: deletes (does not replace by a space) every ASCII
   punctuation character of :data:`string.punctuation` -- the set Keras strips
   -- and every other Unicode punctuation character (general category ``P*``,
   e.g. ``’ “ … « » ، ؛ ؟``), so ``"don't"`` and ``"don’t"`` both become
   ``"dont"`` and ``"<br />"`` becomes ``"br"``;
4. the analyzer: ``'word'`` splits on runs of whitespace (:meth:`str.split`),
   then forms word n-grams joined by a space; ``'char'`` and ``'char_wb'`` form
   character n-grams exactly as scikit-learn's ``CountVectorizer`` does; a
   callable gets the normalised text and returns its tokens, from which word
   n-grams are formed.
"""

from __future__ import annotations

import re
import string
import unicodedata
from functools import cache
from itertools import chain

__all__ = [
    "ARABIC_DIACRITICS",
    "JOINERS",
    "build_analyzer",
    "build_normalizer",
    "char_ngrams",
    "char_wb_ngrams",
    "strip_accents_ascii",
    "strip_accents_unicode",
    "strip_invisible",
    "strip_punctuation",
    "word_ngrams",
]

#: Arabic marks removed by ``strip_accents='unicode'``: the harakat and other
#: marks U+064B-U+065F, the superscript (dagger) alef U+0670 and the tatweel
#: (kashida) U+0640, which is a letter-like elongation sign, not a combining mark.
ARABIC_DIACRITICS = "".join(map(chr, range(0x064B, 0x0660))) + "\u0670\u0640"

_WHITE_SPACES = re.compile(r"\s\s+")


def _char_class(chars):
    """Return a regex character class matching any of ``chars`` (compact ranges)."""
    codes = sorted(set(map(ord, chars)))
    parts = []
    i = 0
    while i < len(codes):
        j = i
        while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
            j += 1
        lo, hi = chr(codes[i]), chr(codes[j])
        parts.append(re.escape(lo) if i == j else f"{re.escape(lo)}-{re.escape(hi)}")
        i = j + 1
    return "[" + "".join(parts) + "]"


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _make_stripper(chars):
    """Return ``text -> text`` that deletes ``chars``, fast for common text.

    Python's ``re`` matches a character class of Basic Multilingual Plane
    characters with a bitmap, but scans a class that also holds astral
    characters (> U+FFFF) range by range, ten times slower. So the BMP
    characters get their own class, and the astral ones are only looked for
    in the rare texts that have astral characters at all (emoji, say).
    """
    bmp = re.compile(_char_class([c for c in chars if ord(c) <= 0xFFFF])).sub
    astral_chars = [c for c in chars if ord(c) > 0xFFFF]
    if not astral_chars:
        return lambda text: bmp("", text)
    astral = re.compile(_char_class(astral_chars)).sub
    has_astral = _ASTRAL.search

    def strip(text):
        text = bmp("", text)
        if not text.isascii() and has_astral(text):
            text = astral("", text)
        return text

    return strip


#: The joiners kept inside words: ZERO WIDTH NON-JOINER and ZERO WIDTH JOINER.
JOINERS = "\u200c\u200d"

#: Format characters that are visible signs, not invisible controls: the
#: prepended concatenation marks (Arabic number signs, end of ayah...).
_VISIBLE_FORMAT = set("\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891"
                      "\u08e2\U000110bd\U000110cd")


@cache
def _unicode_tables():
    """Scan the Unicode database once: punctuation, combining marks, invisible characters."""
    punct = set(string.punctuation)
    marks = set(ARABIC_DIACRITICS)
    invisible = set()
    # Planes 4-13 are unassigned and 15-16 are private use: none of these there.
    for code in chain(range(0x40000), range(0xE0000, 0xF0000)):
        char = chr(code)
        category = unicodedata.category(char)
        if category.startswith("P"):
            punct.add(char)
        elif category in ("Cc", "Cf") and not char.isspace():
            invisible.add(char)
        if unicodedata.combining(char):
            marks.add(char)
    invisible -= set(JOINERS) | _VISIBLE_FORMAT
    return _make_stripper(punct), _make_stripper(marks), _make_stripper(invisible)


_JOINER_RUN = re.compile(f"[{JOINERS}]+")


def _in_word(char):
    return unicodedata.category(char)[0] in "LMN"


def _joiner_or_nothing(match):
    text, start, end = match.string, match.start(), match.end()
    if 0 < start and end < len(text) and _in_word(text[start - 1]) and _in_word(text[end]):
        return match.group()[0]
    return ""


def strip_invisible(text):
    """Delete invisible control and format characters from ``text``.

    Deleted: the control characters (general category ``Cc``: NUL, escape,
    DEL...) that are not whitespace, and the format characters (``Cf``): zero
    width space U+200B, word joiner U+2060, byte order mark U+FEFF, soft
    hyphen U+00AD, the bidirectional controls (LRM/RLM U+200E-U+200F, ALM
    U+061C, embeddings and overrides U+202A-U+202E, isolates U+2066-U+2069),
    tag characters, and the rest of ``Cf`` except the visible prepended
    concatenation marks (Arabic number signs U+0600-U+0605, end of ayah
    U+06DD...).  So ``"\u202eevil\u202c"`` and ``"evil"`` are the same token.

    Whitespace controls (tab, newline...) stay: they separate words.  The zero
    width non-joiner U+200C and joiner U+200D are spelling in Persian, Urdu,
    Kurdish and Indic scripts (``"می\u200cخواهم"``): a run of them is kept, as
    one character, between two letters, marks or digits, and deleted anywhere
    else (at the edges of a word, next to spaces, punctuation or emoji).

    Parameters
    ----------
    text : str

    Returns
    -------
    str
    """
    text = _unicode_tables()[2](text)
    if "\u200c" in text or "\u200d" in text:
        text = _JOINER_RUN.sub(_joiner_or_nothing, text)
    return text


_strip_invisible = strip_invisible


def strip_punctuation(text):
    """Delete ASCII and Unicode punctuation characters from ``text``.

    Parameters
    ----------
    text : str

    Returns
    -------
    str
        ``text`` without the characters of :data:`string.punctuation` and of
        the Unicode general categories ``Pc Pd Ps Pe Pi Pf Po``.
    """
    return _unicode_tables()[0](text)


def strip_accents_unicode(text):
    """Remove accents and other combining marks, and the Arabic diacritics.

    The text is decomposed with Unicode NFKD, then every combining character
    (``unicodedata.combining(c) != 0``) and every character of
    :data:`ARABIC_DIACRITICS` (harakat U+064B-U+065F, superscript alef U+0670,
    tatweel U+0640) is removed. ASCII text is returned unchanged.

    Parameters
    ----------
    text : str

    Returns
    -------
    str
    """
    if text.isascii():
        return text
    return _unicode_tables()[1](unicodedata.normalize("NFKD", text))


def strip_accents_ascii(text):
    """Transliterate to ASCII: NFKD, then drop what is not ASCII (as scikit-learn).

    Parameters
    ----------
    text : str

    Returns
    -------
    str
    """
    if text.isascii():
        return text
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def build_normalizer(lowercase=True, strip_accents=None, strip_punctuation=True,
                     strip_invisible=True):
    """Return the ``str -> str`` normalisation function for these settings.

    Parameters
    ----------
    lowercase : bool, default=True
    strip_accents : {None, 'ascii', 'unicode'} or callable, default=None
    strip_punctuation : bool, default=True
    strip_invisible : bool, default=True
        Delete invisible characters first (:func:`strip_invisible`).

    Returns
    -------
    callable or None
        None when nothing is to be done.
    """
    steps = [_strip_invisible] if strip_invisible else []
    if lowercase:
        steps.append(str.lower)
    if strip_accents is None:
        pass
    elif strip_accents == "unicode":
        steps.append(strip_accents_unicode)
    elif strip_accents == "ascii":
        steps.append(strip_accents_ascii)
    elif callable(strip_accents):
        steps.append(strip_accents)
    else:
        raise ValueError(
            f"strip_accents must be None, 'ascii', 'unicode' or a callable, got {strip_accents!r}"
        )
    if strip_punctuation:
        steps.append(_unicode_tables()[0])
    if not steps:
        return None
    if len(steps) == 1:
        return steps[0]
    if len(steps) == 2:
        first, second = steps
        return lambda text: second(first(text))

    def normalize(text):
        for step in steps:
            text = step(text)
        return text

    return normalize


def word_ngrams(tokens, ngram_range=(1, 1)):
    """Word n-grams of ``tokens``, joined by a space, in scikit-learn's order.

    All n-grams of the smallest ``n`` come first, then those of the next ``n``,
    each in text order (the order of ``CountVectorizer``'s analyzer).

    Parameters
    ----------
    tokens : list of str
    ngram_range : tuple (min_n, max_n), default=(1, 1)

    Returns
    -------
    list of str
    """
    min_n, max_n = ngram_range
    if max_n == 1:
        return tokens if isinstance(tokens, list) else list(tokens)
    tokens = list(tokens)
    grams = tokens[:] if min_n == 1 else []
    for n in range(max(min_n, 2), min(max_n, len(tokens)) + 1):
        grams.extend(map(" ".join, zip(*(tokens[i:] for i in range(n)))))
    return grams


def char_ngrams(text, ngram_range=(1, 1)):
    """Character n-grams of ``text`` (runs of 2+ whitespace become one space).

    Identical to scikit-learn's ``CountVectorizer(analyzer='char')`` on the same
    (already normalised) text.

    Parameters
    ----------
    text : str
    ngram_range : tuple (min_n, max_n), default=(1, 1)

    Returns
    -------
    list of str
    """
    text = _WHITE_SPACES.sub(" ", text)
    length = len(text)
    min_n, max_n = ngram_range
    if min_n == 1:
        grams = list(text)
        min_n = 2
    else:
        grams = []
    for n in range(min_n, min(max_n + 1, length + 1)):
        grams.extend(text[i : i + n] for i in range(length - n + 1))
    return grams


def char_wb_ngrams(text, ngram_range=(1, 1)):
    """Character n-grams inside word boundaries, padded with a space.

    Identical to scikit-learn's ``CountVectorizer(analyzer='char_wb')`` on the
    same (already normalised) text.

    Parameters
    ----------
    text : str
    ngram_range : tuple (min_n, max_n), default=(1, 1)

    Returns
    -------
    list of str
    """
    min_n, max_n = ngram_range
    grams = []
    append = grams.append
    for word in _WHITE_SPACES.sub(" ", text).split():
        word = " " + word + " "
        length = len(word)
        for n in range(min_n, max_n + 1):
            offset = 0
            append(word[offset : offset + n])
            while offset + n < length:
                offset += 1
                append(word[offset : offset + n])
            if offset == 0:  # a short word: count it once only
                break
    return grams


def build_analyzer(
    analyzer="word",
    ngram_range=(1, 1),
    lowercase=True,
    strip_accents=None,
    strip_punctuation=True,
    strip_invisible=True,
):
    """Return the ``str -> list of str`` analyzer for these settings.

    Parameters
    ----------
    analyzer : {'word', 'char', 'char_wb'} or callable, default='word'
        A callable receives the normalised text and returns a sequence of
        tokens; word n-grams are then formed from them.
    ngram_range : tuple (min_n, max_n), default=(1, 1)
    lowercase : bool, default=True
    strip_accents : {None, 'ascii', 'unicode'} or callable, default=None
    strip_punctuation : bool, default=True
    strip_invisible : bool, default=True

    Returns
    -------
    callable
    """
    normalize = build_normalizer(lowercase, strip_accents, strip_punctuation, strip_invisible)
    ngram_range = tuple(ngram_range)
    unigrams = ngram_range == (1, 1)

    if analyzer == "word":
        if unigrams:
            # The hot path of the default settings, kept free of extra calls.
            if lowercase and strip_accents is None and strip_punctuation and strip_invisible:
                strip = _unicode_tables()[0]
                return lambda doc: strip(_strip_invisible(doc).lower()).split()
            if normalize is None:
                return str.split
            return lambda doc: normalize(doc).split()
        if normalize is None:
            return lambda doc: word_ngrams(doc.split(), ngram_range)
        return lambda doc: word_ngrams(normalize(doc).split(), ngram_range)
    if analyzer == "char":
        if normalize is None:
            return lambda doc: char_ngrams(doc, ngram_range)
        return lambda doc: char_ngrams(normalize(doc), ngram_range)
    if analyzer == "char_wb":
        if normalize is None:
            return lambda doc: char_wb_ngrams(doc, ngram_range)
        return lambda doc: char_wb_ngrams(normalize(doc), ngram_range)
    if callable(analyzer):
        split = analyzer

        def analyze(doc):
            tokens = split(doc if normalize is None else normalize(doc))
            if isinstance(tokens, str):
                raise TypeError("a callable analyzer must return a sequence of tokens, not a str")
            return word_ngrams(tokens, ngram_range)

        return analyze
    raise ValueError(f"analyzer must be 'word', 'char', 'char_wb' or a callable, got {analyzer!r}")
