"""What a sentence-transformers folder says about running it by hand: transformer, tokenizer, length, pooling."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from indexer.errors import ModelError

# Modules the onnx backend reproduces, by class name (sentence-transformers 6 saves them under new module paths, such
# as sentence_transformers.base.modules.transformer.Transformer); anything else (Dense...) needs the torch backend.
TRANSFORMER, POOLING, NORMALIZE = "Transformer", "Pooling", "Normalize"


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


def _module_class(kind: str) -> str:
    """The class a modules.json entry names, whatever package path the saving version wrote (or none, as old ones)."""
    return kind.rsplit(".", 1)[-1] if kind.startswith("sentence_transformers.") or "." not in kind else kind


def _pooling_modes(config: dict) -> set[str]:
    """The pooling a Pooling folder asks for: "pooling_mode": "mean" (sentence-transformers 6) or flags (before)."""
    if isinstance(config.get("pooling_mode"), str):
        return {config["pooling_mode"]}
    names = {"pooling_mode_mean_tokens": "mean", "pooling_mode_cls_token": "cls"}
    return {names.get(k, k) for k, v in config.items() if k.startswith("pooling_mode") and v}


def _read_spec(folder: Path) -> ModelSpec:
    transformer_dir, pooling_dir = folder, None
    if (folder / "modules.json").exists():
        for module in _json(folder / "modules.json"):
            kind = _module_class(module["type"])
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
        modes = _pooling_modes(_json(pooling_dir / "config.json"))
        if modes not in ({"mean"}, {"cls"}):
            raise _unsupported(folder, f"pooling {sorted(modes)}")
        pooling = modes.pop()
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
