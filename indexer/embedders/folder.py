"""What a sentence-transformers folder says about running it by hand: transformer, tokenizer, length, pooling."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from indexer.embedders.base import ModelError

# Modules the onnx backend reproduces; anything else (Dense, a second pooling...) needs the torch backend.
TRANSFORMER = "sentence_transformers.models.Transformer"
POOLING = "sentence_transformers.models.Pooling"
NORMALIZE = "sentence_transformers.models.Normalize"


@dataclass(frozen=True)
class ModelSpec:
    transformer_dir: Path  # config.json, weights and tokenizer.json
    max_seq_length: int  # tokens, special ones included: sentence-transformers truncates there
    do_lower_case: bool
    pooling: str  # "mean" or "cls"
    dimension: int


def _json(path: Path) -> dict | list:
    return json.loads(path.read_text(encoding="utf-8"))


def _unsupported(folder: Path, what: str) -> ModelError:
    return ModelError(f"model {folder} has {what}, which the onnx backend cannot run: set CAREER_SEARCH_EMBEDDER=torch")


def read_spec(folder: Path) -> ModelSpec:
    try:
        return _read_spec(folder)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"cannot read model folder {folder}: {exc}; check CAREER_SEARCH_MODEL") from exc


def _full_type(kind: str) -> str:
    # older folders name the class without its package
    return kind if kind.startswith("sentence_transformers.") else f"sentence_transformers.models.{kind}"


def _read_spec(folder: Path) -> ModelSpec:
    transformer_dir, pooling_dir = folder, None
    if (folder / "modules.json").exists():
        for module in _json(folder / "modules.json"):
            kind = _full_type(module["type"])
            if kind == TRANSFORMER:
                transformer_dir = folder / module["path"]
            elif kind == POOLING:
                pooling_dir = folder / module["path"]
            elif kind != NORMALIZE:
                raise _unsupported(folder, f"a {module['type']} module")
    config = _json(transformer_dir / "config.json")
    if not (transformer_dir / "tokenizer.json").exists():
        raise _unsupported(folder, "no tokenizer.json (a fast tokenizer)")
    st_config_path = transformer_dir / "sentence_bert_config.json"
    st_config = _json(st_config_path) if st_config_path.exists() else {}
    max_len = st_config.get("max_seq_length")
    if max_len is None:  # what sentence-transformers falls back to
        tok_path = transformer_dir / "tokenizer_config.json"
        tok_max = _json(tok_path).get("model_max_length", 512) if tok_path.exists() else 512
        max_len = min(int(tok_max), int(config.get("max_position_embeddings", 512)))
    pooling = "mean"
    if pooling_dir is not None:
        modes = {k for k, v in _json(pooling_dir / "config.json").items() if k.startswith("pooling_mode") and v}
        if modes == {"pooling_mode_cls_token"}:
            pooling = "cls"
        elif modes != {"pooling_mode_mean_tokens"}:
            raise _unsupported(folder, f"pooling {sorted(modes)}")
    return ModelSpec(
        transformer_dir=transformer_dir,
        max_seq_length=int(max_len),
        do_lower_case=bool(st_config.get("do_lower_case", False)),
        pooling=pooling,
        dimension=int(config["hidden_size"]),
    )


def load_tokenizer(spec: ModelSpec):  # -> tokenizers.Tokenizer, imported here so reading a spec stays cheap
    """The fast tokenizer, truncating where sentence-transformers does and padding nothing (batches pad themselves)."""
    from tokenizers import Tokenizer

    try:
        tokenizer = Tokenizer.from_file(str(spec.transformer_dir / "tokenizer.json"))
    except Exception as exc:  # tokenizers raises a bare Exception for a malformed file
        raise ModelError(f"cannot read {spec.transformer_dir / 'tokenizer.json'}: {exc}") from exc
    # tokenizer.json may carry its own truncation and fixed padding (this model's says 128): sentence-transformers
    # overrides both per call, so must we
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=spec.max_seq_length)
    return tokenizer
