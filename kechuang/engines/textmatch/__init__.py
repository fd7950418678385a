"""Chinese retrieval engine: jieba words + character bigrams (BM25), dense sentence vectors,
pseudo-relevance feedback and a tuned fusion, with explanations. Pure Python, no Django.

Typical use::

    from kechuang.engines.textmatch import CachedEncoder, Document, TextIndex, Use3Encoder

    index = TextIndex(encoder=CachedEncoder(Use3Encoder(), "/var/cache/kechuang/vectors"))
    index.add([Document("a1", "一种锂离子电池正极材料的制备方法……", {"industry": "新能源"})])
    hits = index.search("锂电池 正极", k=10, filters={"industry": "新能源"})
"""

from .encoders import CachedEncoder, Encoder, HashingEncoder, SentenceTransformerEncoder, Use3Encoder
from .evaluate import RecordError, mean_metrics, ndcg_at_k, read_jsonl, read_qrels, recall_at_k
from .index import Document, Explanation, FusionWeights, Hit, SearchConfig, TextIndex, highlight
from .tokenize import DEFAULT_USERDICT, Tokenizer, char_bigrams, normalize, shared_tokenizer

__all__ = [
    "DEFAULT_USERDICT",
    "CachedEncoder",
    "Document",
    "Encoder",
    "Explanation",
    "FusionWeights",
    "HashingEncoder",
    "Hit",
    "RecordError",
    "SearchConfig",
    "SentenceTransformerEncoder",
    "TextIndex",
    "Tokenizer",
    "Use3Encoder",
    "char_bigrams",
    "highlight",
    "mean_metrics",
    "ndcg_at_k",
    "normalize",
    "read_jsonl",
    "read_qrels",
    "recall_at_k",
    "shared_tokenizer",
]
