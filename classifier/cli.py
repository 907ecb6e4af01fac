"""Command line: train / evaluate / predict / locate / registry. Errors: one line on stderr, exit 2."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TextIO

from classifier.dataset import Example, apply_label_map, read_label_map, read_labelled_csv, require_two_labels
from classifier.errors import InputError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line instead of usage + message
        raise InputError(f"{self.prog}: {message}")


def _read(path: str, args: argparse.Namespace) -> list[Example]:
    rows = read_labelled_csv(path, text_col=args.text_col, label_col=args.label_col)
    if getattr(args, "map", None):
        rows = apply_label_map(rows, read_label_map(args.map))
    return rows


def cmd_train(args: argparse.Namespace, out: TextIO) -> int:
    from classifier.model import train_bundle

    rows = _read(args.data, args)
    require_two_labels(rows, f"{args.data}")
    bundle = train_bundle(rows, holdout_fraction=0.0 if args.no_eval else 0.2, source=Path(args.data).name)
    bundle.save(args.out)
    meta = bundle.metadata
    summary = {k: meta[k] for k in ("version", "n_examples", "labels", "train_seconds", "training_data_hash")}
    summary["out"] = str(args.out)
    summary["holdout"] = (
        {k: meta["metrics"].get(k) for k in ("macro_f1", "accuracy")} if meta["metrics"] else None
    )
    out.write(json.dumps(summary, ensure_ascii=False) + "\n")
    return 0


def cmd_evaluate(args: argparse.Namespace, out: TextIO) -> int:
    from classifier.evaluation import classification_metrics
    from classifier.model import TextModel

    train = _read(args.train, args)
    test = _read(args.test, args)
    require_two_labels(train, f"{args.train}")
    t0 = time.perf_counter()
    model = TextModel.train([t for _, t in train], [lab for lab, _ in train])
    train_seconds = time.perf_counter() - t0
    texts = [t for _, t in test]
    t0 = time.perf_counter()
    pred, conf = model.predict(texts)
    predict_seconds = time.perf_counter() - t0
    result = classification_metrics([lab for lab, _ in test], pred, conf)
    result.update(
        {
            "n_train": len(train),
            "train_seconds": round(train_seconds, 3),
            "predict_texts_per_s": round(len(texts) / max(predict_seconds, 1e-9), 1),
            "mean_text_chars": round(sum(map(len, texts)) / len(texts), 1),
        }
    )
    out.write(json.dumps(result, ensure_ascii=False) + "\n")
    return 0


def cmd_predict(args: argparse.Namespace, out: TextIO, inp: TextIO) -> int:
    from classifier.facade import Classifier

    clf = Classifier.load(model_path=args.model, model_dir=args.model_dir)
    bad = 0
    source = getattr(inp, "buffer", inp)  # read bytes when we can, so one bad line cannot stop the rest
    for lineno, raw in enumerate(source, 1):
        try:
            line = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        except UnicodeDecodeError:
            line = None
        if line is not None and not line.strip():
            continue
        try:
            if line is None:
                raise ValueError("not UTF-8")
            obj = json.loads(line)
            if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                raise ValueError('expected an object with a "text" string')
            subject = obj.get("subject") if isinstance(obj.get("subject"), str) else None
            r = clf.classify(obj["text"], subject=subject, locate=False)
            row = {
                "topic": r.topic,
                "topic_name": r.topic_name,
                "confidence": r.confidence,
                "type": r.type,
                "type_confidence": r.type_confidence,
                "out_of_scope": r.out_of_scope,
                "needs_review": r.needs_review,
                "model_version": r.model_version,
            }
            if "id" in obj:
                row["id"] = obj["id"]
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            bad += 1
            msg = f"line {lineno}: bad JSON input ({exc})"
            sys.stderr.write(f"error: {msg}\n")
            row = {"error": msg}
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        out.flush()
    if bad:
        sys.stderr.write(f"error: {bad} input line(s) could not be read\n")
        return 2
    return 0


def cmd_locate(inp: TextIO, out: TextIO) -> int:
    try:
        from classifier.locator import run_locate_cli
    except ImportError as exc:
        raise InputError(f"locate is not available: {exc}") from None
    return int(run_locate_cli(inp, out) or 0)


def cmd_registry(args: argparse.Namespace, out: TextIO) -> int:
    from classifier.registry import ModelRegistry

    reg = ModelRegistry(args.dir)
    if args.action == "list":
        active = reg.active_version()
        for v in reg.versions():
            out.write(f"{'*' if v == active else ' '} {v}\n")
    elif args.action == "activate":
        if not args.version:
            raise InputError("registry activate needs a VERSION")
        reg.activate(args.version, force=args.force)
        out.write(f"active: {args.version}\n")
    else:
        out.write(f"active: {reg.rollback()}\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m classifier", description="Talep Hub topic/type classifier")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def cols(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--text-col", default="text")
        sp.add_argument("--label-col", default="label")
        sp.add_argument("--map", help="CSV source,target mapping dataset labels onto taxonomy codes")

    t = sub.add_parser("train", help="train a model file from a labelled CSV")
    t.add_argument("--data", required=True)
    t.add_argument("--out", required=True)
    t.add_argument("--no-eval", action="store_true", help="skip the 80/20 hold-out measurement")
    cols(t)
    e = sub.add_parser("evaluate", help="train on TRAIN, measure on TEST, print one JSON object")
    e.add_argument("--train", required=True)
    e.add_argument("--test", required=True)
    cols(e)
    pr = sub.add_parser("predict", help='JSON lines {"text": ...} on stdin -> predictions on stdout')
    pr.add_argument("--model", help="model file (default: the seed model)")
    pr.add_argument("--model-dir", help="model registry directory (uses its active model)")
    sub.add_parser("locate", help='JSON lines {"text": ...} on stdin -> mahalle/ilçe on stdout')
    r = sub.add_parser("registry", help="list / activate / rollback models in a registry directory")
    r.add_argument("--dir", required=True)
    r.add_argument("action", choices=["list", "activate", "rollback"])
    r.add_argument("version", nargs="?")
    r.add_argument(
        "--force", action="store_true", help="activate even a model that failed the evaluation gate"
    )
    return p


def main(argv: list[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    inp = stdin or sys.stdin
    out = stdout or sys.stdout
    try:
        args = build_parser().parse_args(argv)
        if args.command == "train":
            return cmd_train(args, out)
        if args.command == "evaluate":
            return cmd_evaluate(args, out)
        if args.command == "predict":
            return cmd_predict(args, out, inp)
        if args.command == "locate":
            return cmd_locate(inp, out)
        return cmd_registry(args, out)
    except InputError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 1
    except Exception as exc:  # last resort: one line, never a traceback
        sys.stderr.write(f"error: internal error ({exc.__class__.__name__}: {exc})\n")
        return 1
