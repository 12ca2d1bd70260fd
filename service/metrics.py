"""Prometheus metrics at /metrics: requests, searches, query embedding time, the live build, reloads."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import datetime

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, InfoMetricFamily
from prometheus_client.registry import Collector

from service.holder import IndexHolder

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    """One registry per app; with several workers (PROMETHEUS_MULTIPROC_DIR set) the counters add up across them."""

    def __init__(self, holder: IndexHolder) -> None:
        self.registry = CollectorRegistry()
        self.holder = holder
        r = self.registry
        self.requests = Counter(
            "career_search_requests", "HTTP requests by route and status", ["method", "route", "status"], registry=r
        )
        self.latency = Histogram(
            "career_search_request_duration_seconds",
            "HTTP request latency by route and status",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.searches = Counter("career_search_searches", "searches answered, by mode", ["mode"], registry=r)
        self.zero_results = Counter("career_search_zero_result_searches", "searches with no result", registry=r)
        # a search that finds only weak matches ("no match") is not told apart yet: this stays 0 until it is
        self.no_match = Counter("career_search_no_match", "searches answered with 'no good match'", registry=r)
        self.embedding = Histogram(
            "career_search_query_embedding_seconds",
            "time to embed one query (model inference, lock wait included)",
            buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0),
            registry=r,
        )
        self._state = _HolderCollector(holder)
        r.register(self._state)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route, str(status)).observe(seconds)

    def observe_search(self, mode: str, results: int, no_match: bool = False) -> None:
        self.searches.labels(mode).inc()
        if results == 0:
            self.zero_results.inc()
        if no_match:
            self.no_match.inc()

    def exposition(self) -> tuple[bytes, str]:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            registry.register(self._state)
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class _HolderCollector(Collector):
    """The live build and the reload history, read from the holder at scrape time (this worker's view)."""

    def __init__(self, holder: IndexHolder) -> None:
        self.holder = holder

    def collect(self) -> Iterator:
        h = self.holder
        yield CounterMetricFamily("career_search_reloads", "new builds swapped in", value=h.reloads)
        yield CounterMetricFamily("career_search_refused_builds", "builds refused (model, format, damage)", h.refused)
        yield GaugeMetricFamily("career_search_model_loaded", "1 once the embedding model is loaded", int(h.ready()))
        searcher = h.searcher
        if searcher is None:
            yield GaugeMetricFamily("career_search_index_loaded", "1 while an index build is served", 0)
            return
        m = searcher.snapshot.manifest
        yield GaugeMetricFamily("career_search_index_loaded", "1 while an index build is served", 1)
        info = InfoMetricFamily("career_search_index", "the live index build")
        info.add_metric([], {"build_id": m.build_id, "model": m.model, "format_version": str(m.format_version)})
        yield info
        yield GaugeMetricFamily("career_search_index_documents", "documents in the live build", m.documents)
        yield GaugeMetricFamily("career_search_index_passages", "passages in the live build", m.passages)
        built = _timestamp(m.created)
        if built is not None:
            yield GaugeMetricFamily("career_search_index_built_timestamp_seconds", "when the build was made", built)
            yield GaugeMetricFamily("career_search_index_age_seconds", "age of the live build", time.time() - built)


def _timestamp(created: str) -> float | None:
    try:
        return datetime.fromisoformat(created.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
